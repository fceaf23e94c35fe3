package io.edgewise.cli;

import java.io.PrintWriter;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Progress of a long command on stderr, never stdout (stdout holds results and --json). On a terminal it is one
 * running line, redrawn in place with the elapsed seconds (every second, so a long compile does not look hung);
 * elsewhere (CI logs, tests, pipes) it is one plain line per step and nothing for the details within a step.
 */
public final class Progress implements AutoCloseable {
  private final PrintWriter err;
  private final String task;
  private final boolean terminal;
  private final long startNanos = System.nanoTime();
  private final ScheduledExecutorService ticker;
  private String step = "";
  private String detail = "";
  private int drawnWidth;

  private Progress(PrintWriter err, String task, boolean terminal) {
    this.err = err;
    this.task = task;
    this.terminal = terminal;
    this.ticker = terminal ? Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "edgewise-progress");
      t.setDaemon(true);
      return t;
    }) : null;
    if (ticker != null) {
      ticker.scheduleAtFixedRate(this::redraw, 1, 1, TimeUnit.SECONDS);
    }
  }

  /** Progress of {@code task} (the command's name) on {@code err}; a running line only when a terminal watches. */
  public static Progress start(PrintWriter err, String task) {
    return new Progress(err, task, isTerminal());
  }

  /** Whether stderr is taken to be a terminal: the JVM has a console (no redirection of stdin and stdout). */
  public static boolean isTerminal() {
    return System.console() != null;
  }

  /** A new step (a shape, a model): the running line, or one plain line. */
  public synchronized void step(String text) {
    step = text;
    detail = "";
    if (terminal) {
      redraw();
    } else {
      err.println(task + ": " + text);
      err.flush();
    }
  }

  /** Where the current step stands (candidate 3 of 20): shown on a terminal only, to keep logs short. */
  public synchronized void detail(String text) {
    detail = text;
    if (terminal) {
      redraw();
    }
  }

  /** Prints through {@code print} (results on stdout) on a clean line, then draws the running line again below. */
  public synchronized void above(Runnable print) {
    clearLine();
    print.run();
    if (terminal) {
      redraw();
    }
  }

  private synchronized void redraw() {
    if (step.isEmpty()) {
      return;
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
    String line = task + ": " + step + (detail.isEmpty() ? "" : ", " + detail) + "  (" + seconds + " s)";
    // pad with blanks over the rest of a longer line drawn before
    err.print("\r" + line + " ".repeat(Math.max(0, drawnWidth - line.length())));
    err.flush();
    drawnWidth = line.length();
  }

  /** Clears the running line, so the results print on a clean line. */
  @Override
  public synchronized void close() {
    if (ticker != null) {
      ticker.shutdownNow();
    }
    clearLine();
    step = "";
  }

  private void clearLine() {
    if (terminal && drawnWidth > 0) {
      err.print("\r" + " ".repeat(drawnWidth) + "\r");
      err.flush();
      drawnWidth = 0;
    }
  }
}
