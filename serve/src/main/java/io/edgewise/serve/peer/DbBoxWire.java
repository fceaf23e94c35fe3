package io.edgewise.serve.peer;

import io.edgewise.apps.ocr.DbPostprocess;
import io.netty.buffer.ByteBuf;

/**
 * The options of {@link OutputReduction#DB_BOXES} on the wire, after the PARTIAL_INFER reduction byte:
 *
 * <pre>
 *   u8 version (1) | f64 threshold | f64 boxThreshold | f64 unclipRatio | u32 maxCandidates
 *                  | u32 pageWidth | u32 pageHeight
 * </pre>
 *
 * The version byte lets later options be added without breaking requests of this one (a peer refuses a version it
 * does not know, naming it). A value out of its range is a BAD_FRAME naming the field, before the peer runs anything:
 * the post-processing's work and memory grow with the map, never with these values once they are in range.
 */
public final class DbBoxWire {
  public static final int VERSION = 1;
  /** The most regions a request may ask to consider (PaddleOCR's default is 1,000). */
  public static final int MAX_CANDIDATES = 100_000;
  /** The largest page side in pixels (boxes are scaled to it). */
  public static final int MAX_PAGE_SIDE = 1 << 16;
  /** The largest unclip ratio (PaddleOCR uses 1.5 to 2; beyond this a box would cover the page many times over). */
  public static final double MAX_UNCLIP_RATIO = 100;

  private DbBoxWire() {}

  public static void write(ByteBuf out, DbPostprocess.BoxRequest r) {
    out.writeByte(VERSION);
    out.writeDouble(r.params().threshold());
    out.writeDouble(r.params().boxThreshold());
    out.writeDouble(r.params().unclipRatio());
    out.writeInt(r.params().maxCandidates());
    out.writeInt(r.pageWidth());
    out.writeInt(r.pageHeight());
  }

  /** Reads and checks the options; any fault is a BAD_FRAME naming its field. */
  public static DbPostprocess.BoxRequest read(ByteBuf in) {
    int version = PeerCodec.readU8(in, "DB box options version");
    if (version != VERSION) {
      throw PeerException.badFrame("PARTIAL_INFER: DB box options version " + version + " is not known (this peer "
          + "reads version " + VERSION + ")");
    }
    PeerCodec.need(in, 3 * 8 + 3 * 4, "DB box options");
    double threshold = in.readDouble();
    double boxThreshold = in.readDouble();
    double unclip = in.readDouble();
    long maxCandidates = in.readUnsignedInt();
    long width = in.readUnsignedInt();
    long height = in.readUnsignedInt();
    unit("threshold", threshold);
    unit("boxThreshold", boxThreshold);
    if (!(unclip >= 0 && unclip <= MAX_UNCLIP_RATIO)) {
      throw field("unclipRatio", unclip + " is outside [0, " + MAX_UNCLIP_RATIO + "]");
    }
    range("maxCandidates", maxCandidates, MAX_CANDIDATES);
    range("pageWidth", width, MAX_PAGE_SIDE);
    range("pageHeight", height, MAX_PAGE_SIDE);
    return new DbPostprocess.BoxRequest((int) width, (int) height, new DbPostprocess.Params(threshold, boxThreshold,
        unclip, (int) maxCandidates));
  }

  /** A probability threshold: in [0, 1] (NaN is not). */
  private static void unit(String name, double v) {
    if (!(v >= 0 && v <= 1)) {
      throw field(name, v + " is outside [0, 1]");
    }
  }

  private static void range(String name, long v, long max) {
    if (v < 1 || v > max) {
      throw field(name, v + " is outside [1, " + max + "]");
    }
  }

  private static PeerException field(String name, String why) {
    return PeerException.badFrame("PARTIAL_INFER: DB box options: " + name + " " + why);
  }
}
