package io.edgewise.bench.split;

import io.edgewise.EdgewiseException;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The PNG of split-bench: the arm (cut) each policy chose at each request, with the oracle's choice per phase. */
final class SplitBenchPlot {
  private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
      new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)};

  private SplitBenchPlot() {}

  static void write(Path file, String model, List<SplitExperiment.Trace> traces, SplitExperiment exp,
      SplitExperiment.Calibration cal, int steps) {
    XYChart chart = new XYChartBuilder().width(1100).height(600)
        .title("split-bench " + model + ": chosen cut over time (arm 0 = all-remote, "
            + (exp.cuts().size() - 1) + " = all-local)")
        .xAxisTitle("request").yAxisTitle("cut (arm)").build();
    chart.getStyler().setMarkerSize(3);
    double[] x = new double[steps];
    double[] oracle = new double[steps];
    for (int t = 0; t < steps; t++) {
      x[t] = t;
      oracle[t] = cal.bestArm(exp.phaseOf(t));
    }
    XYSeries o = chart.addSeries("oracle", x, oracle);
    o.setMarker(SeriesMarkers.NONE);
    o.setLineColor(Color.BLACK);
    double offset = 0.08;
    int k = 0;
    for (SplitExperiment.Trace tr : traces) {
      double[] y = new double[steps];
      for (int t = 0; t < steps; t++) {
        y[t] = tr.arms()[t] + offset * (k - traces.size() / 2.0);  // small offsets keep overlapping policies visible
      }
      XYSeries s = chart.addSeries(tr.policy(), x, y);
      s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
      s.setMarkerColor(COLORS[k % COLORS.length]);
      k++;
    }
    try {
      BitmapEncoder.saveBitmap(chart, file.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.IO, file + ": cannot write the plot: " + e, e);
    }
  }
}
