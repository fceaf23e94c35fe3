package io.edgewise.serve.common;

import io.edgewise.ByName;
import io.edgewise.EdgewiseException;
import io.edgewise.adapt.LatencyStats;
import io.edgewise.adapt.TimeBudgetRule;
import io.edgewise.runtime.Session;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A model group served under time budgets (MDInference): the variants' sessions, each with the latency statistics
 * this server measures itself (every run updates them; {@link #profile} seeds them), and
 * {@link TimeBudgetRule} to pick the variant of each request from its budget and the client's network estimate.
 * Work whose deadline has already passed when it would start is dropped ({@link BudgetExpiredException}), not run.
 * A variant is one model on one device: its statistics are that pair's (a group may list a model twice, on two
 * devices, under two names). Owns the
 * sessions: close() closes them. Thread-safe (statistics under this object's lock; runs outside it).
 */
public final class BudgetedGroup implements AutoCloseable {
  /** One variant: its name, session and measured accuracy. */
  public record Member(String name, Session session, double accuracy) {}

  /**
   * The outputs, the variant that produced them and its device, the variant's run time (ms), and whether the variant
   * fit the budget (false: none did and the fastest ran, or the variant was pinned by the request and did not fit).
   */
  public record Answer(Map<String, Tensor> outputs, String variant, String device, double serverMs,
      boolean eligible) {}

  private final String name;
  private final List<Member> members;
  private final List<LatencyStats> stats = new ArrayList<>();
  private final double gamma;

  public BudgetedGroup(String name, List<Member> members, double gamma) {
    if (members.isEmpty()) {
      throw EdgewiseException.invalidArgument("model group " + name + " has no variants");
    }
    this.name = name;
    this.members = List.copyOf(members);
    this.gamma = gamma;
    for (int i = 0; i < members.size(); i++) {
      stats.add(new LatencyStats(0.2));
    }
  }

  public String name() {
    return name;
  }

  public List<Member> members() {
    return members;
  }

  public double gamma() {
    return gamma;
  }

  /** Adds a measured latency of a variant (a profile run before serving, or any run elsewhere). */
  public synchronized void profile(String variant, double ms) {
    stats.get(indexOf(variant)).add(ms);
  }

  /** The statistics the rule sees now. */
  public synchronized List<TimeBudgetRule.VariantStats> stats() {
    List<TimeBudgetRule.VariantStats> out = new ArrayList<>();
    for (int i = 0; i < members.size(); i++) {
      out.add(new TimeBudgetRule.VariantStats(members.get(i).name(), members.get(i).accuracy(), stats.get(i).mean(),
          stats.get(i).std()));
    }
    return out;
  }

  /**
   * Answers one request.
   *
   * @param budgetMs the request's time budget (its SLA)
   * @param networkMs the client's estimate of the network time (0 when it sent none)
   * @param deadlineNanos System.nanoTime() past which the answer is useless
   */
  public Answer infer(Map<String, Tensor> inputs, double budgetMs, double networkMs, long deadlineNanos) {
    return infer(inputs, budgetMs, networkMs, deadlineNanos, null);
  }

  /** As above; a non-null {@code pinned} names the variant to run whatever the budget (still dropped when late). */
  public Answer infer(Map<String, Tensor> inputs, double budgetMs, double networkMs, long deadlineNanos,
      String pinned) {
    List<TimeBudgetRule.VariantStats> now = stats();
    TimeBudgetRule.Choice c;
    if (pinned != null) {
      int i = indexOf(pinned);
      TimeBudgetRule.VariantStats s = now.get(i);
      c = new TimeBudgetRule.Choice(i, s.fits(budgetMs - networkMs, gamma), budgetMs - networkMs);
    } else {
      c = TimeBudgetRule.choose(now, budgetMs, networkMs, gamma);
    }
    if (System.nanoTime() - deadlineNanos > 0) {
      throw new BudgetExpiredException("model group " + name + ": the request's time budget of " + budgetMs
          + " ms had passed before it could run; dropped unrun");
    }
    Member m = members.get(c.variant());
    long t0 = System.nanoTime();
    Map<String, Tensor> out = m.session().run(inputs);
    double ms = (System.nanoTime() - t0) / 1e6;
    synchronized (this) {
      stats.get(c.variant()).add(ms);
    }
    return new Answer(out, m.name(), m.session().deviceName(), ms, c.eligible());
  }

  /** The index of a variant by name; an unknown name is an INVALID_ARGUMENT listing the group's variants. */
  public int indexOf(String variant) {
    return ByName.require(members, Member::name, variant, "model group " + name, "variant");
  }

  @Override
  public void close() {
    for (Member m : members) {
      m.session().close();
    }
  }
}
