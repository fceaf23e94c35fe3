package io.edgewise.runtime.split;

/**
 * The layer-type composition of the nodes after a cut: what ANS (Zhang et al., WWW 2021) uses as the context of
 * each partition point, besides the intermediate data size. Convolutions and fully connected layers are counted
 * with their multiply-accumulates; every other op counts its output elements as its work.
 */
public record SuffixProfile(int convLayers, long convMacs, int fcLayers, long fcMacs, int otherLayers,
    long otherElements) {
  public static final SuffixProfile EMPTY = new SuffixProfile(0, 0, 0, 0, 0, 0);

  public int layers() {
    return convLayers + fcLayers + otherLayers;
  }

  SuffixProfile plus(SuffixProfile o) {
    return new SuffixProfile(convLayers + o.convLayers, convMacs + o.convMacs, fcLayers + o.fcLayers,
        fcMacs + o.fcMacs, otherLayers + o.otherLayers, otherElements + o.otherElements);
  }
}
