package io.edgewise.serve.common;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Bearer-token authentication shared by the HTTP and the peer servers. Tokens are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual} against every known token, so neither the token's length nor the position of its
 * first wrong character shows in the time a check takes.
 */
public final class TokenAuthenticator {
  /** Shorter tokens are refused: they could be guessed. */
  public static final int MIN_TOKEN_CHARS = 16;
  private static final long MAX_FILE_BYTES = 1 << 20;

  private final List<byte[]> digests;
  private final boolean enabled;

  private TokenAuthenticator(List<byte[]> digests, boolean enabled) {
    this.digests = digests;
    this.enabled = enabled;
  }

  /** Every request must carry one of these tokens. */
  public static TokenAuthenticator of(List<String> tokens) {
    if (tokens.isEmpty()) {
      throw EdgewiseException.invalidArgument("TokenAuthenticator: no token given");
    }
    List<byte[]> d = new ArrayList<>();
    for (String t : tokens) {
      if (t.length() < MIN_TOKEN_CHARS || !t.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
        throw EdgewiseException.invalidArgument("TokenAuthenticator: a token must be at least " + MIN_TOKEN_CHARS
            + " printable ASCII characters without spaces");
      }
      d.add(sha256(t));
    }
    return new TokenAuthenticator(List.copyOf(d), true);
  }

  /**
   * The tokens of a file: one per line; blank lines and lines starting with '#' are ignored. Errors name the file
   * and the line, never the token.
   */
  public static TokenAuthenticator fromFile(Path file) {
    List<String> tokens = new ArrayList<>();
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new EdgewiseException(ErrorCode.RESOURCE_EXHAUSTED, file + ": token file larger than "
            + MAX_FILE_BYTES + " bytes");
      }
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i).strip();
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        if (line.length() < MIN_TOKEN_CHARS || !line.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
          throw EdgewiseException.invalidArgument(file + " line " + (i + 1) + ": a token must be at least "
              + MIN_TOKEN_CHARS + " printable ASCII characters without spaces");
        }
        tokens.add(line);
      }
    } catch (NoSuchFileException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, file + ": no such token file", e);
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, file + ": cannot read the token file: " + e.getMessage(), e);
    }
    if (tokens.isEmpty()) {
      throw EdgewiseException.invalidArgument(file + ": the token file holds no token");
    }
    return of(tokens);
  }

  /** Lets every request through; only for an explicit opt-out (`serve --no-auth`) and benchmarks. */
  public static TokenAuthenticator disabled() {
    return new TokenAuthenticator(List.of(), false);
  }

  /** A fresh random token (256 bits, URL-safe base64) for a server started without a token file. */
  public static String generateToken() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  public boolean enabled() {
    return enabled;
  }

  /** Whether an HTTP Authorization header value ("Bearer TOKEN"; null when absent) is accepted. */
  public boolean acceptsAuthorizationHeader(String header) {
    if (!enabled) {
      return true;
    }
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    return acceptsToken(header.substring(7).strip());
  }

  /** Whether a bare token (as the peer protocol's hello carries it) is accepted. */
  public boolean acceptsToken(String token) {
    if (!enabled) {
      return true;
    }
    if (token == null) {
      return false;
    }
    byte[] given = sha256(token);
    boolean ok = false;
    for (byte[] d : digests) {
      ok |= MessageDigest.isEqual(d, given);  // no early exit: every token is compared
    }
    return ok;
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
