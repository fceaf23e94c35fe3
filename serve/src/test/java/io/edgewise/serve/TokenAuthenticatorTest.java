package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.serve.common.TokenAuthenticator;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenAuthenticatorTest {
  @Test
  void acceptsOnlyTheFilesTokensAsBearer(@TempDir Path dir) throws Exception {
    Path f = Files.writeString(dir.resolve("tokens"), "# team tokens\n\nfirst-token-0123456789\n  second-token-abcdefgh  \n");
    TokenAuthenticator a = TokenAuthenticator.fromFile(f);
    assertTrue(a.acceptsAuthorizationHeader("Bearer first-token-0123456789"));
    assertTrue(a.acceptsAuthorizationHeader("bearer second-token-abcdefgh"));
    assertTrue(a.acceptsToken("second-token-abcdefgh"));
    assertFalse(a.acceptsAuthorizationHeader(null));
    assertFalse(a.acceptsAuthorizationHeader("Bearer"));
    assertFalse(a.acceptsAuthorizationHeader("Basic first-token-0123456789"));
    assertFalse(a.acceptsAuthorizationHeader("Bearer first-token-012345678"));
    assertFalse(a.acceptsAuthorizationHeader("Bearer first-token-01234567890"));
    assertFalse(a.acceptsToken(null));
    assertTrue(TokenAuthenticator.disabled().acceptsAuthorizationHeader(null));
  }

  @Test
  void refusesWeakTokensAndEmptyFilesNamingTheLine(@TempDir Path dir) throws Exception {
    Path weak = Files.writeString(dir.resolve("weak"), "long-enough-token-000000\nshort\n");
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> TokenAuthenticator.fromFile(weak));
    assertTrue(e.getMessage().contains("line 2") && !e.getMessage().contains("short"), e.getMessage());
    Path empty = Files.writeString(dir.resolve("empty"), "# nothing\n");
    assertThrows(EdgewiseException.class, () -> TokenAuthenticator.fromFile(empty));
    EdgewiseException missing = assertThrows(EdgewiseException.class,
        () -> TokenAuthenticator.fromFile(dir.resolve("absent")));
    assertEquals(EdgewiseException.ErrorCode.NOT_FOUND, missing.code());
    assertTrue(TokenAuthenticator.generateToken().length() >= TokenAuthenticator.MIN_TOKEN_CHARS);
  }
}
