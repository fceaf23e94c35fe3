package io.edgewise.apps.ocr.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class FrameScoreTest {
  @Test
  void matchesLinesInAnyOrder() {
    // "abc" read as "abd" (1), "hello" read exactly (0), in the other order: 1 error over 8 characters
    assertEquals(new FrameScore.Errors(1, 8), FrameScore.score(List.of("abc", "hello"), List.of("hello", "abd")));
  }

  @Test
  void missingAndExtraLinesCountTheirCharacters() {
    // "xyz" not read (3), an extra "qq" read (2)
    assertEquals(new FrameScore.Errors(5, 7), FrameScore.score(List.of("abcd", "xyz"), List.of("abcd", "qq")));
    assertEquals(new FrameScore.Errors(0, 0), FrameScore.score(List.of(), List.of()));
    assertEquals(0.25, new FrameScore.Errors(1, 4).cer());
  }
}
