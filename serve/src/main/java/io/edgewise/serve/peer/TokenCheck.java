package io.edgewise.serve.peer;

import io.edgewise.EdgewiseException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Decides whether the bearer token of a HELLO is accepted. The HTTP half's authenticator plugs in as a lambda. */
@FunctionalInterface
public interface TokenCheck {
  /** Tokens shorter than this are refused as guessable (the same floor as the HTTP server's). */
  int MIN_TOKEN_CHARS = 16;

  boolean accepts(String token);

  /** Whether a token is needed at all (false only for {@link #disabled()}). */
  default boolean required() {
    return true;
  }

  /** Accepts exactly this token; compares in constant time so the time taken does not leak the prefix matched. */
  static TokenCheck of(String token) {
    if (token == null || token.length() < MIN_TOKEN_CHARS) {
      throw EdgewiseException.invalidArgument("peer token must have at least " + MIN_TOKEN_CHARS + " characters");
    }
    byte[] expected = token.getBytes(StandardCharsets.UTF_8);
    return t -> t != null && MessageDigest.isEqual(expected, t.getBytes(StandardCharsets.UTF_8));
  }

  /** No authentication: only for loopback experiments and tests that say so. */
  static TokenCheck disabled() {
    return new TokenCheck() {
      @Override
      public boolean accepts(String token) {
        return true;
      }

      @Override
      public boolean required() {
        return false;
      }
    };
  }
}
