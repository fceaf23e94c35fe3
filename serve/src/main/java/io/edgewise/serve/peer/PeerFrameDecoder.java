package io.edgewise.serve.peer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

/**
 * Splits the byte stream at the u32 length prefixes (refusing frames over the limit before buffering them) and
 * decodes each frame into a {@link PeerFrame}. After the first bad frame it drops everything else the connection
 * sends: the handler answers with a typed error and closes.
 */
final class PeerFrameDecoder extends LengthFieldBasedFrameDecoder {
  /**
   * The longest frame a server reads before the peer has said HELLO with an accepted token: a HELLO's own largest
   * size (10 bytes of header, two u16 versions, two strings of at most {@link PeerLimits#MAX_STRING_BYTES}) is 8,206
   * bytes, so 16 KiB. Anything longer, and any frame but HELLO, is refused from its first bytes, before it is
   * buffered, so an unauthenticated connection never makes the server hold more than this plus one socket read.
   */
  static final int MAX_UNAUTHENTICATED_FRAME_BYTES = 16 * 1024;

  private final PeerLimits limits;
  private boolean failed;
  /** Whether the frame limit before HELLO applies (servers) and HELLO has not been accepted yet. */
  private boolean beforeHello;

  /** A client's decoder: the server's frames up to the limit from the first byte. */
  PeerFrameDecoder(PeerLimits limits) {
    this(limits, false);
  }

  /** A server's decoder when serverSide: until {@link #helloAccepted()}, only a HELLO of at most 16 KiB. */
  PeerFrameDecoder(PeerLimits limits, boolean serverSide) {
    super(limits.maxFrameBytes(), 0, 4, 0, 4, true);
    this.limits = limits;
    this.beforeHello = serverSide;
  }

  /** The handler accepted the peer's HELLO: frames up to the limit from now on. */
  void helloAccepted() {
    beforeHello = false;
  }

  @Override
  protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return null;
    }
    if (beforeHello) {
      checkBeforeHello(in);
    }
    ByteBuf frame;
    try {
      frame = (ByteBuf) super.decode(ctx, in);
    } catch (Exception e) {
      failed = true;
      throw e;
    }
    if (frame == null) {
      return null;
    }
    try {
      return PeerCodec.decode(frame, limits);
    } catch (RuntimeException e) {
      failed = true;
      throw e;
    } finally {
      frame.release();
    }
  }

  /** Refuses, from the length prefix and the type byte, a first frame that is not a small HELLO. */
  private void checkBeforeHello(ByteBuf in) {
    int at = in.readerIndex();
    if (in.readableBytes() >= 4) {
      long length = in.getUnsignedInt(at);
      if (length > MAX_UNAUTHENTICATED_FRAME_BYTES) {
        failed = true;
        in.skipBytes(in.readableBytes());
        throw new PeerException(PeerErrorCode.FRAME_TOO_LARGE, "a frame of " + length + " bytes before HELLO; "
            + "until a HELLO is accepted at most " + MAX_UNAUTHENTICATED_FRAME_BYTES + " bytes are read");
      }
    }
    if (in.readableBytes() >= 6) {
      int type = in.getUnsignedByte(at + 5);
      if (type != MessageType.HELLO.code()) {
        failed = true;
        in.skipBytes(in.readableBytes());
        MessageType t = MessageType.fromCode(type);
        throw new PeerException(PeerErrorCode.UNAUTHENTICATED, "the first message must be HELLO, got "
            + (t == null ? "type " + type : t));
      }
    }
  }
}
