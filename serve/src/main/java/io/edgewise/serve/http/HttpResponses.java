package io.edgewise.serve.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.edgewise.EdgewiseException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Building the server's responses: JSON bodies, and errors as the protocol's {"error": "..."} object. */
final class HttpResponses {
  private HttpResponses() {}

  static FullHttpResponse json(HttpResponseStatus status, Object body) {
    try {
      return bytes(status, V2Json.MAPPER.writeValueAsBytes(body), HttpHeaderValues.APPLICATION_JSON.toString());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a response body", e);
    }
  }

  static FullHttpResponse error(HttpResponseStatus status, String message) {
    return json(status, Map.of("error", message));
  }

  static FullHttpResponse text(HttpResponseStatus status, String body, String contentType) {
    return bytes(status, body.getBytes(StandardCharsets.UTF_8), contentType);
  }

  static FullHttpResponse bytes(HttpResponseStatus status, byte[] body, String contentType) {
    return content(status, Unpooled.wrappedBuffer(body), contentType);
  }

  static FullHttpResponse content(HttpResponseStatus status, ByteBuf body, String contentType) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    return r;
  }

  /** The status for a failure: the client's fault is 4xx (400, 404, 413), the server's 500. */
  static HttpResponseStatus statusOf(EdgewiseException e) {
    return switch (e.code()) {
      case INVALID_ARGUMENT, INVALID_MODEL, UNSUPPORTED_TYPE, NOT_IMPLEMENTED -> HttpResponseStatus.BAD_REQUEST;
      case NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
      case RESOURCE_EXHAUSTED -> HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
      case IO, DEVICE, INTERNAL -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
    };
  }
}
