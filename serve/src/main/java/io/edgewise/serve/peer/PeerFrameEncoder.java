package io.edgewise.serve.peer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Writes frames. Writing a frame hands its tensors to the channel: they are closed once encoded. Code that must
 * keep its tensors encodes them itself ({@link PeerCodec#encode}) and writes the ByteBuf, which passes through.
 */
@ChannelHandler.Sharable
final class PeerFrameEncoder extends MessageToByteEncoder<PeerFrame> {
  static final PeerFrameEncoder INSTANCE = new PeerFrameEncoder();

  @Override
  protected void encode(ChannelHandlerContext ctx, PeerFrame frame, ByteBuf out) {
    try {
      PeerCodec.encode(frame, out);
    } finally {
      frame.close();
    }
  }
}
