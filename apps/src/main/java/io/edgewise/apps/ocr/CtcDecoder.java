package io.edgewise.apps.ocr;

import io.edgewise.EdgewiseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Greedy CTC decoding with the recogniser's dictionary, as PaddleOCR's CTCLabelDecode with use_space_char: class 0
 * is the blank, class k (1..N) is line k of the dictionary file, class N + 1 is a space. Per time step the most
 * likely class; repeats merged, blanks dropped; the confidence is the mean probability of the characters kept (0
 * for an empty line).
 */
public final class CtcDecoder {
  /** A decoded line. */
  public record Text(String text, double confidence) {}

  /**
   * Names of the two tensors a recogniser run may answer with instead of its probabilities (its output's name with
   * these appended): the {@link #bestPath best path}'s classes (int32 [N, steps]) and their probabilities
   * (float [N, steps]). A peer that ran the recogniser sends these, a few kilobytes instead of the scores of every
   * class at every step.
   */
  public static final String BEST_CLASS_SUFFIX = "#ctc-best-class";
  public static final String BEST_PROB_SUFFIX = "#ctc-best-prob";

  private final String[] classes;

  public CtcDecoder(List<String> dictionary) {
    classes = new String[dictionary.size() + 2];
    classes[0] = "";
    for (int i = 0; i < dictionary.size(); i++) {
      classes[i + 1] = dictionary.get(i);
    }
    classes[classes.length - 1] = " ";
  }

  /** Reads a dictionary file: one character per line (UTF-8). */
  public static CtcDecoder load(Path dictionary) {
    try {
      List<String> lines = new ArrayList<>(Files.readAllLines(dictionary, StandardCharsets.UTF_8));
      if (lines.isEmpty()) {
        throw EdgewiseException.invalidArgument(dictionary + ": the dictionary is empty");
      }
      return new CtcDecoder(lines);
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, dictionary + ": cannot read the dictionary ("
          + e.getMessage() + ")", e);
    }
  }

  /** Classes the recogniser's output must have: blank + dictionary + space. */
  public int classCount() {
    return classes.length;
  }

  /**
   * Decodes item {@code n} of a softmax output float[N, steps, classes] (row-major in {@code probs}): its
   * {@link #bestPath best path}, then {@link #decodeBestPath collapsed}.
   */
  public Text decode(float[] probs, int n, int steps, int classCount) {
    if (classCount != classes.length) {
      throw EdgewiseException.invalidArgument("the recogniser gives " + classCount + " classes, the dictionary makes "
          + classes.length + " (blank + " + (classes.length - 2) + " lines + space)");
    }
    int[] best = new int[steps];
    float[] bestP = new float[steps];
    bestPath(probs, n, steps, classCount, best, bestP, 0);
    return decodeBestPath(best, bestP, 0, steps);
  }

  /**
   * The first half of greedy decoding, which needs no dictionary (so a peer that ran the recogniser can do it and
   * send back two numbers per step instead of {@code classCount}): per time step of item {@code n} of
   * float[N, steps, classCount], the most likely class (the lowest index on a tie) into {@code bestClass} and its
   * probability into {@code bestProb}, from {@code offset}.
   */
  public static void bestPath(float[] probs, int n, int steps, int classCount, int[] bestClass, float[] bestProb,
      int offset) {
    long base = (long) n * steps * classCount;
    for (int t = 0; t < steps; t++) {
      int o = Math.toIntExact(base + (long) t * classCount);
      int best = 0;
      float bestP = probs[o];
      for (int k = 1; k < classCount; k++) {
        if (probs[o + k] > bestP) {
          bestP = probs[o + k];
          best = k;
        }
      }
      bestClass[offset + t] = best;
      bestProb[offset + t] = bestP;
    }
  }

  /**
   * The second half: a best path ({@code steps} classes and probabilities from {@code offset}, as {@link #bestPath}
   * gives them) to text: repeats merged, blanks dropped, the confidence the mean probability of the characters kept.
   * A class outside the dictionary is an {@link EdgewiseException} naming it.
   */
  public Text decodeBestPath(int[] bestClass, float[] bestProb, int offset, int steps) {
    StringBuilder text = new StringBuilder();
    double sum = 0;
    int kept = 0;
    int previous = -1;
    for (int t = 0; t < steps; t++) {
      int best = bestClass[offset + t];
      if (best < 0 || best >= classes.length) {
        throw EdgewiseException.invalidArgument("best path step " + t + " names class " + best + "; the dictionary "
            + "makes " + classes.length + " classes");
      }
      if (best != 0 && best != previous) {
        text.append(classes[best]);
        sum += bestProb[offset + t];
        kept++;
      }
      previous = best;
    }
    return new Text(text.toString(), kept == 0 ? 0 : sum / kept);
  }
}
