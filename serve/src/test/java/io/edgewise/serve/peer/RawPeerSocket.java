package io.edgewise.serve.peer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/** A plain socket speaking (or mis-speaking) the peer protocol byte by byte, for tests of the server's defences. */
final class RawPeerSocket implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;

  RawPeerSocket(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);  // a hang guard: the server must answer or close well before
    in = new DataInputStream(socket.getInputStream());
  }

  static byte[] bytes(PeerFrame f) {
    ByteBuf b = Unpooled.buffer();
    try {
      PeerCodec.encode(f, b);
      byte[] out = new byte[b.readableBytes()];
      b.readBytes(out);
      return out;
    } finally {
      b.release();
    }
  }

  void send(byte[] b) throws IOException {
    socket.getOutputStream().write(b);
    socket.getOutputStream().flush();
  }

  void send(PeerFrame f) throws IOException {
    send(bytes(f));
  }

  /** Says nothing more: the server sees end of input. */
  void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  /** The next frame, or null at end of stream (the server closed). */
  PeerFrame read() throws IOException {
    int length;
    try {
      length = in.readInt();
    } catch (EOFException e) {
      return null;
    } catch (java.net.SocketException e) {
      return null;  // reset by the server closing with our bytes unread
    }
    byte[] body = new byte[length];
    in.readFully(body);
    ByteBuf b = Unpooled.wrappedBuffer(body);
    try {
      return PeerCodec.decode(b, PeerLimits.defaults());
    } finally {
      b.release();
    }
  }

  /** Every frame until the server closes; fails the test (SocketTimeoutException) if it neither answers nor closes. */
  List<PeerFrame> readUntilClosed() throws IOException {
    List<PeerFrame> frames = new ArrayList<>();
    for (PeerFrame f; (f = read()) != null; ) {
      frames.add(f);
    }
    return frames;
  }

  boolean timedOut(Exception e) {
    return e instanceof SocketTimeoutException;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
