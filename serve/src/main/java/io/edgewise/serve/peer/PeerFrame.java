package io.edgewise.serve.peer;

/**
 * One protocol frame: a message and the request id that pairs answers with requests (chosen by the client,
 * echoed by the server; 0 for connection-level errors). Closing the frame closes the message's tensors.
 */
public record PeerFrame(long requestId, PeerMessage message) implements AutoCloseable {
  public MessageType type() {
    return message.type();
  }

  @Override
  public void close() {
    message.close();
  }
}
