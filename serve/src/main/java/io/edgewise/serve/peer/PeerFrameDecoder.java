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
  private final PeerLimits limits;
  private boolean failed;

  PeerFrameDecoder(PeerLimits limits) {
    super(limits.maxFrameBytes(), 0, 4, 0, 4, true);
    this.limits = limits;
  }

  @Override
  protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return null;
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
}
