package io.edgewise.train.prune;

import io.edgewise.model.Model;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of pruning one model at one ratio. model() is the pruned model (owned by this result; null when the
 * model was skipped, skippedReason() then says why). convs() lists every Conv with constant weights: how many output
 * channels it kept of how many, which, and why a conv kept them all when it could not be pruned safely. Parameter
 * counts are the elements of all initializers. slices() says how each cut initializer maps to the original's.
 */
public record PruneResult(Model model, double ratio, String skippedReason, List<ConvChannels> convs,
    long parametersBefore, long parametersAfter, Map<String, ParameterSlice> slices, String baseSignature)
    implements AutoCloseable {

  /** One convolution's output channels after pruning; keptReason is non-null when it had to keep them all. */
  public record ConvChannels(String conv, int total, int[] kept, String keptReason) {
    public int keptCount() {
      return kept.length;
    }

    public boolean pruned() {
      return kept.length < total;
    }
  }

  static PruneResult skipped(double ratio, String reason, long parameters) {
    return new PruneResult(null, ratio, reason, List.of(), parameters, parameters, Map.of(), null);
  }

  public boolean isSkipped() {
    return skippedReason != null;
  }

  /** The conv's entry, or null when the model has no such conv with constant weights. */
  public ConvChannels conv(String name) {
    return convs.stream().filter(c -> c.conv().equals(name)).findFirst().orElse(null);
  }

  /** The convolutions kept whole because they could not be pruned safely, each with the reason. */
  public Map<String, String> keptConvs() {
    Map<String, String> out = new LinkedHashMap<>();
    convs.stream().filter(c -> c.keptReason() != null).forEach(c -> out.put(c.conv(), c.keptReason()));
    return out;
  }

  /**
   * One line for logs and reports: "conv1 8/16, conv2 16/32; 9930 -> 3818 parameters"; beyond 8 convolutions, counts
   * instead of the list.
   */
  public String summary() {
    if (isSkipped()) {
      return "skipped: " + skippedReason;
    }
    StringBuilder sb = new StringBuilder();
    if (convs.size() > 8) {
      long pruned = convs.stream().filter(ConvChannels::pruned).count();
      int kept = convs.stream().mapToInt(ConvChannels::keptCount).sum();
      int total = convs.stream().mapToInt(ConvChannels::total).sum();
      sb.append(convs.size()).append(" convs, ").append(pruned).append(" pruned, ").append(keptConvs().size())
          .append(" kept whole; ").append(kept).append('/').append(total).append(" channels");
    }
    for (ConvChannels c : convs.size() > 8 ? List.<ConvChannels>of() : convs) {
      sb.append(sb.length() == 0 ? "" : ", ").append(c.conv()).append(' ').append(c.keptCount()).append('/')
          .append(c.total());
    }
    return sb.append("; ").append(parametersBefore).append(" -> ").append(parametersAfter).append(" parameters")
        .toString();
  }

  @Override
  public void close() {
    if (model != null) {
      model.close();
    }
  }
}
