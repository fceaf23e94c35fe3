package io.edgewise.backend.fpga;

/**
 * Modeled resources of a tile configuration (before synthesis; the vendor report is the truth): DSP slices for the
 * Tm x Tn multiply-add array at the board's DSP cost per fp32 MAC; 36-Kbit block RAMs for the double-buffered
 * on-chip arrays, one bank per parallel lane (input: Tn banks, output: Tm banks, weights: Tm x Tn banks, each
 * 1024 words of 32 bits per BRAM36); LUTs per MAC plus a fixed control overhead.
 */
public final class ResourceModel {
  private static final int WORDS_PER_BRAM36 = 1024;

  private ResourceModel() {}

  /** The modeled use. */
  public record Use(long dsp, long bram36, long lut) {
    public boolean fits(Board b) {
      return dsp <= b.dsp() && bram36 <= b.bram36() && lut <= b.lut();
    }
  }

  public static Use of(TileConfig t, int weightBufferBlocks, Board board) {
    long macs = (long) t.tm() * t.tn();
    long dsp = (long) Math.ceil(macs * board.dspPerMacFp32());
    long input = (long) t.tn() * banks((long) t.inputRows() * t.inputCols());
    long output = (long) t.tm() * banks((long) t.tr() * t.tc());
    long weights = macs * banks((long) t.kmax() * t.kmax() * weightBufferBlocks);
    long bram = 2 * (input + output + weights);  // every array is double-buffered
    long lut = (long) Math.ceil(macs * board.lutPerMacFp32()) + board.lutOverhead();
    return new Use(dsp, bram, lut);
  }

  private static long banks(long words) {
    return (words + WORDS_PER_BRAM36 - 1) / WORDS_PER_BRAM36;
  }
}
