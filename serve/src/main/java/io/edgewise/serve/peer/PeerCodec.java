package io.edgewise.serve.peer;

import io.edgewise.apps.ocr.DbPostprocess;
import io.edgewise.serve.peer.PeerMessage.Cancel;
import io.edgewise.serve.peer.PeerMessage.Capabilities;
import io.edgewise.serve.peer.PeerMessage.Error;
import io.edgewise.serve.peer.PeerMessage.Hello;
import io.edgewise.serve.peer.PeerMessage.LevelInfer;
import io.edgewise.serve.peer.PeerMessage.LevelResult;
import io.edgewise.serve.peer.PeerMessage.LoadQuery;
import io.edgewise.serve.peer.PeerMessage.LoadReport;
import io.edgewise.serve.peer.PeerMessage.ModelInfo;
import io.edgewise.serve.peer.PeerMessage.PartialInfer;
import io.edgewise.serve.peer.PeerMessage.Ping;
import io.edgewise.serve.peer.PeerMessage.Pong;
import io.edgewise.serve.peer.PeerMessage.Result;
import io.edgewise.serve.peer.PeerMessage.ReuseLookup;
import io.edgewise.serve.peer.PeerMessage.ReuseResult;
import io.edgewise.tensor.Tensor;
import io.netty.buffer.ByteBuf;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The peer protocol's wire format, version 1. A frame is a u32 length (of what follows; at most the receiver's
 * maxFrameBytes, enforced by LengthFieldBasedFrameDecoder) then:
 *
 * <pre>
 *   u8 version (1) | u8 type ({@link MessageType} code) | u64 request id | payload
 * </pre>
 *
 * Integers are big-endian, strings are u16 length + UTF-8 (at most {@link PeerLimits#MAX_STRING_BYTES}), tensors
 * are as {@link WireTensors} writes them. Payloads by type:
 *
 * <pre>
 *   HELLO          u16 minVersion, u16 maxVersion, str token, str clientName
 *   CAPABILITIES   u16 version, str serverName, str device, u32 maxInFlight, u32 maxFrameBytes,
 *                  u16 n, n x (str name, str sha256)
 *   PARTIAL_INFER  str modelHash, u64 deadlineMicros (budget left; 0 none), u8 resultEncoding,
 *                  u16 n, n x str output, tensors (u16 n, n x tensor: the values crossing the cut),
 *                  [u8 reduction ({@link OutputReduction} code; absent: none),
 *                   DB_BOXES only: its options ({@link DbBoxWire})]
 *   RESULT         u64 queueMicros, u64 computeMicros, tensors
 *   ERROR          u16 code ({@link PeerErrorCode}), str message
 *   LOAD_QUERY     (empty)
 *   LOAD_REPORT    u32 inFlight, u32 queued, u32 workers, f64 utilisation, f64 meanComputeMs, u64 completed
 *   PING           u64 nonce, u32 n, n bytes of padding
 *   PONG           u64 nonce
 *   CANCEL         (empty: the request id names the request to cancel)
 *   REUSE_LOOKUP   str modelHash, str tapPoint, tensor feature (fp16 or fp32 encoding)
 *   REUSE_RESULT   u8 hit, i32 label (-1 none), f32 confidence, str origin, tensors (the stored results)
 *   LEVEL_INFER    str user, u64 deadlineMicros (budget left; 0 none), u8 lowest, u8 highest, f64 accuracyWant,
 *                  u8 resultEncoding, tensors (the model's inputs)
 *   LEVEL_RESULT   u8 level, u64 queueMicros, u64 computeMicros, tensors
 * </pre>
 *
 * A payload must be consumed exactly: trailing bytes are a BAD_FRAME like any other malformation. Decoding never
 * throws anything but {@link PeerException} and never allocates more than the frame's bytes justify.
 */
public final class PeerCodec {
  public static final int VERSION = 1;
  /** Bytes before the payload: version, type, request id (the u32 length is stripped by the frame decoder). */
  public static final int HEADER_BYTES = 1 + 1 + 8;

  private PeerCodec() {}

  /** Appends the frame (length prefix included) to out. */
  public static void encode(PeerFrame frame, ByteBuf out) {
    int start = out.writerIndex();
    out.writeInt(0);
    out.writeByte(VERSION);
    out.writeByte(frame.type().code());
    out.writeLong(frame.requestId());
    encodePayload(frame.message(), out);
    out.setInt(start, out.writerIndex() - start - 4);
  }

  private static void encodePayload(PeerMessage m, ByteBuf out) {
    if (m instanceof Hello h) {
      out.writeShort(h.minVersion());
      out.writeShort(h.maxVersion());
      writeString(out, h.token());
      writeString(out, h.clientName());
    } else if (m instanceof Capabilities c) {
      out.writeShort(c.version());
      writeString(out, c.serverName());
      writeString(out, c.device());
      out.writeInt(c.maxInFlight());
      out.writeInt(c.maxFrameBytes());
      out.writeShort(c.models().size());
      for (ModelInfo mi : c.models()) {
        writeString(out, mi.name());
        writeString(out, mi.sha256());
      }
    } else if (m instanceof PartialInfer p) {
      writeString(out, p.modelHash());
      out.writeLong(p.deadlineMicros());
      out.writeByte(p.resultEncoding().code());
      out.writeShort(p.outputs().size());
      p.outputs().forEach(o -> writeString(out, o));
      WireTensors.writeAll(out, p.tensors(), p.tensorEncoding());
      if (p.reduction() != OutputReduction.NONE) {
        out.writeByte(p.reduction().code());  // optional trailing byte: absent, the frame is as it always was
        if (p.boxes() != null) {
          DbBoxWire.write(out, p.boxes());  // the reduction's options, after its byte: only DB_BOXES has them
        }
      }
    } else if (m instanceof Result r) {
      out.writeLong(r.queueMicros());
      out.writeLong(r.computeMicros());
      WireTensors.writeAll(out, r.outputs(), r.encoding());
    } else if (m instanceof Error e) {
      out.writeShort(e.code().code());
      writeString(out, truncate(e.message()));
    } else if (m instanceof LoadQuery) {
      // no payload
    } else if (m instanceof LoadReport l) {
      out.writeInt(l.inFlight());
      out.writeInt(l.queued());
      out.writeInt(l.workers());
      out.writeDouble(l.utilisation());
      out.writeDouble(l.meanComputeMs());
      out.writeLong(l.completed());
    } else if (m instanceof Ping p) {
      out.writeLong(p.nonce());
      out.writeInt(p.padding().length);
      out.writeBytes(p.padding());
    } else if (m instanceof Pong p) {
      out.writeLong(p.nonce());
    } else if (m instanceof Cancel) {
      // no payload
    } else if (m instanceof ReuseLookup r) {
      writeString(out, r.modelHash());
      writeString(out, r.tapPoint());
      WireTensors.write(out, "feature", r.feature(), r.featureEncoding());
    } else if (m instanceof ReuseResult r) {
      out.writeByte(r.hit() ? 1 : 0);
      out.writeInt(r.label());
      out.writeFloat(r.confidence());
      writeString(out, r.origin());
      WireTensors.writeAll(out, r.results(), TensorEncoding.FP32);
    } else if (m instanceof LevelInfer l) {
      writeString(out, l.user());
      out.writeLong(l.deadlineMicros());
      out.writeByte(l.lowest());
      out.writeByte(l.highest());
      out.writeDouble(l.accuracyWant());
      out.writeByte(l.resultEncoding().code());
      WireTensors.writeAll(out, l.tensors(), l.tensorEncoding());
    } else if (m instanceof LevelResult r) {
      out.writeByte(r.level());
      out.writeLong(r.queueMicros());
      out.writeLong(r.computeMicros());
      WireTensors.writeAll(out, r.outputs(), r.encoding());
    }
  }

  /**
   * Decodes one frame whose length prefix was already stripped. The buffer is read, not released. Throws
   * {@link PeerException} (BAD_FRAME, UNSUPPORTED_VERSION, INVALID_ARGUMENT for limits) on anything malformed.
   */
  public static PeerFrame decode(ByteBuf in, PeerLimits limits) {
    need(in, HEADER_BYTES, "frame header");
    int version = in.readUnsignedByte();
    if (version != VERSION) {
      throw new PeerException(PeerErrorCode.UNSUPPORTED_VERSION, "frame version " + version + "; this side speaks "
          + VERSION);
    }
    int code = in.readUnsignedByte();
    MessageType type = MessageType.fromCode(code);
    if (type == null) {
      throw PeerException.badFrame("unknown message type " + code);
    }
    long requestId = in.readLong();
    PeerMessage m = decodePayload(type, in, limits);
    if (in.isReadable()) {
      m.close();
      throw PeerException.badFrame(type + " frame has " + in.readableBytes() + " trailing bytes");
    }
    return new PeerFrame(requestId, m);
  }

  private static PeerMessage decodePayload(MessageType type, ByteBuf in, PeerLimits limits) {
    switch (type) {
      case HELLO -> {
        int min = readU16(in, "minVersion");
        int max = readU16(in, "maxVersion");
        return new Hello(min, max, readString(in, "token"), readString(in, "clientName"));
      }
      case CAPABILITIES -> {
        int version = readU16(in, "version");
        String server = readString(in, "serverName");
        String device = readString(in, "device");
        int inFlight = readPositiveInt(in, "maxInFlight");
        int frame = readPositiveInt(in, "maxFrameBytes");
        int n = readU16(in, "model count");
        List<ModelInfo> models = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          models.add(new ModelInfo(readString(in, "model name"), readString(in, "model sha256")));
        }
        return new Capabilities(version, server, device, inFlight, frame, models);
      }
      case PARTIAL_INFER -> {
        String hash = readString(in, "modelHash");
        need(in, 8, "deadline");
        long deadline = in.readLong();
        if (deadline < 0) {
          // a u64 of 2^63 or more reads negative here: a budget of 292,000 years or more, which is no deadline at
          // all; kept as the largest budget (the server treats budgets it cannot schedule as none)
          deadline = Long.MAX_VALUE;
        }
        TensorEncoding enc = readEncoding(in, "resultEncoding");
        int n = readU16(in, "output count");
        if (n > limits.maxTensors()) {
          throw new PeerException(PeerErrorCode.INVALID_ARGUMENT, n + " outputs requested; the limit is "
              + limits.maxTensors());
        }
        List<String> outputs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          outputs.add(readString(in, "output[" + i + "]"));
        }
        TensorEncoding[] first = new TensorEncoding[1];
        Map<String, Tensor> tensors = WireTensors.readAll(in, limits, first);
        OutputReduction reduction = OutputReduction.NONE;
        DbPostprocess.BoxRequest boxes = null;
        if (in.isReadable()) {
          int code = in.readUnsignedByte();
          reduction = OutputReduction.fromCode(code);
          if (reduction == null) {
            tensors.values().forEach(Tensor::close);
            throw PeerException.badFrame("PARTIAL_INFER: unknown output reduction " + code);
          }
          if (reduction == OutputReduction.DB_BOXES) {
            try {
              boxes = DbBoxWire.read(in);
            } catch (RuntimeException e) {
              tensors.values().forEach(Tensor::close);
              throw e;
            }
          }
        }
        return new PartialInfer(hash, deadline, enc, outputs, tensors,
            first[0] == null ? TensorEncoding.FP32 : first[0], reduction, boxes);
      }
      case RESULT -> {
        need(in, 16, "RESULT times");
        long queue = in.readLong();
        long compute = in.readLong();
        TensorEncoding[] first = new TensorEncoding[1];
        Map<String, Tensor> tensors = WireTensors.readAll(in, limits, first);
        return new Result(queue, compute, tensors, first[0] == null ? TensorEncoding.FP32 : first[0]);
      }
      case ERROR -> {
        int code = readU16(in, "error code");
        PeerErrorCode c = PeerErrorCode.fromCode(code);
        if (c == null) {
          throw PeerException.badFrame("unknown error code " + code);
        }
        return new Error(c, readString(in, "error message"));
      }
      case LOAD_QUERY -> {
        return new LoadQuery();
      }
      case LOAD_REPORT -> {
        need(in, 4 * 3 + 8 * 3, "LOAD_REPORT");
        return new LoadReport(in.readInt(), in.readInt(), in.readInt(), in.readDouble(), in.readDouble(),
            in.readLong());
      }
      case PING -> {
        need(in, 12, "PING");
        long nonce = in.readLong();
        long n = in.readUnsignedInt();
        need(in, n, "PING padding");
        byte[] padding = new byte[(int) n];
        in.readBytes(padding);
        return new Ping(nonce, padding);
      }
      case PONG -> {
        need(in, 8, "PONG");
        return new Pong(in.readLong());
      }
      case CANCEL -> {
        return new PeerMessage.Cancel();
      }
      case REUSE_LOOKUP -> {
        String hash = readString(in, "modelHash");
        String tap = readString(in, "tapPoint");
        String name = readString(in, "feature name");
        TensorEncoding[] enc = new TensorEncoding[1];
        Tensor feature = WireTensors.read(in, limits, "feature '" + name + "'", enc);
        if (!feature.dtype().isFloatingPoint() || enc[0] == TensorEncoding.INT8) {
          feature.close();
          throw PeerException.badFrame("REUSE_LOOKUP feature must be fp32 or fp16");
        }
        return new ReuseLookup(hash, tap, feature, enc[0]);
      }
      case REUSE_RESULT -> {
        need(in, 9, "REUSE_RESULT");
        int hit = in.readUnsignedByte();
        if (hit > 1) {
          throw PeerException.badFrame("REUSE_RESULT hit flag " + hit);
        }
        int label = in.readInt();
        float confidence = in.readFloat();
        String origin = readString(in, "origin");
        return new ReuseResult(hit == 1, label, confidence, origin, WireTensors.readAll(in, limits, null));
      }
      case LEVEL_INFER -> {
        String user = readString(in, "user");
        need(in, 8 + 2 + 8, "LEVEL_INFER");
        long deadline = in.readLong();
        if (deadline < 0) {
          deadline = Long.MAX_VALUE;  // a u64 of 2^63 or more: no deadline, as for PARTIAL_INFER
        }
        int lowest = in.readUnsignedByte();
        int highest = in.readUnsignedByte();
        double want = in.readDouble();
        if (lowest > highest || !(want >= 0 && want <= 1)) {
          throw PeerException.badFrame("LEVEL_INFER levels " + lowest + ".." + highest + " or accuracy want " + want
              + " out of range");
        }
        TensorEncoding enc = readEncoding(in, "resultEncoding");
        TensorEncoding[] first = new TensorEncoding[1];
        Map<String, Tensor> tensors = WireTensors.readAll(in, limits, first);
        return new LevelInfer(user, deadline, lowest, highest, want, enc, tensors,
            first[0] == null ? TensorEncoding.FP32 : first[0]);
      }
      case LEVEL_RESULT -> {
        need(in, 1 + 16, "LEVEL_RESULT");
        int level = in.readUnsignedByte();
        long queue = in.readLong();
        long compute = in.readLong();
        TensorEncoding[] first = new TensorEncoding[1];
        Map<String, Tensor> tensors = WireTensors.readAll(in, limits, first);
        return new LevelResult(level, queue, compute, tensors, first[0] == null ? TensorEncoding.FP32 : first[0]);
      }
      default -> throw PeerException.badFrame("unhandled type " + type);
    }
  }

  static void writeString(ByteBuf out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > PeerLimits.MAX_STRING_BYTES) {
      throw new PeerException(PeerErrorCode.INVALID_ARGUMENT, "string of " + b.length + " bytes exceeds "
          + PeerLimits.MAX_STRING_BYTES + ": " + s.substring(0, 40) + "...");
    }
    out.writeShort(b.length);
    out.writeBytes(b);
  }

  private static String truncate(String s) {
    return s.length() > 1000 ? s.substring(0, 1000) + "..." : s;
  }

  static String readString(ByteBuf in, String what) {
    int n = readU16(in, what + " length");
    if (n > PeerLimits.MAX_STRING_BYTES) {
      throw PeerException.badFrame(what + ": string of " + n + " bytes exceeds " + PeerLimits.MAX_STRING_BYTES);
    }
    need(in, n, what);
    byte[] b = new byte[n];
    in.readBytes(b);
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      throw PeerException.badFrame(what + ": not valid UTF-8");
    }
  }

  static int readU8(ByteBuf in, String what) {
    need(in, 1, what);
    return in.readUnsignedByte();
  }

  static int readU16(ByteBuf in, String what) {
    need(in, 2, what);
    return in.readUnsignedShort();
  }

  private static int readPositiveInt(ByteBuf in, String what) {
    need(in, 4, what);
    int v = in.readInt();
    if (v <= 0) {
      throw PeerException.badFrame(what + " must be positive, got " + v);
    }
    return v;
  }

  private static TensorEncoding readEncoding(ByteBuf in, String what) {
    int code = readU8(in, what);
    TensorEncoding e = TensorEncoding.fromCode(code);
    if (e == null) {
      throw PeerException.badFrame(what + ": unknown encoding " + code);
    }
    return e;
  }

  /** Throws BAD_FRAME unless n more bytes are readable. */
  static void need(ByteBuf in, long n, String what) {
    if (n < 0 || in.readableBytes() < n) {
      throw PeerException.badFrame(what + ": needs " + n + " bytes, the frame has " + in.readableBytes() + " left");
    }
  }
}
