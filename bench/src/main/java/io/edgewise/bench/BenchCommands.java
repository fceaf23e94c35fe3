package io.edgewise.bench;

import io.edgewise.bench.budget.BudgetBenchCommand;
import io.edgewise.bench.cache.CacheBenchCommand;
import io.edgewise.bench.cosched.CoschedBenchCommand;
import io.edgewise.bench.dystri.DystriBenchCommand;
import io.edgewise.bench.pipeline.PipelineBenchCommand;
import io.edgewise.bench.reuse.ReuseBenchCommand;
import io.edgewise.bench.select.SelectBenchCommand;
import io.edgewise.bench.serve.ServeBenchCommand;
import io.edgewise.bench.shapes.ShapeBenchCommand;
import io.edgewise.bench.split.SplitBenchCommand;
import io.edgewise.cli.SubcommandProvider;

/** The experiment drivers this module adds to the `edgewise` command (registered in META-INF/services). */
public final class BenchCommands {
  private BenchCommands() {}

  /** `edgewise split-bench`. */
  public static final class SplitBench implements SubcommandProvider {
    @Override
    public Object command() {
      return new SplitBenchCommand();
    }
  }

  /** `edgewise pipeline-bench`. */
  public static final class PipelineBench implements SubcommandProvider {
    @Override
    public Object command() {
      return new PipelineBenchCommand();
    }
  }

  /** `edgewise cosched-bench`. */
  public static final class CoschedBench implements SubcommandProvider {
    @Override
    public Object command() {
      return new CoschedBenchCommand();
    }
  }

  /** `edgewise serve-bench`. */
  public static final class ServeBench implements SubcommandProvider {
    @Override
    public Object command() {
      return new ServeBenchCommand();
    }
  }

  /** `edgewise budget-bench`. */
  public static final class BudgetBench implements SubcommandProvider {
    @Override
    public Object command() {
      return new BudgetBenchCommand();
    }
  }

  /** `edgewise select-bench`. */
  public static final class SelectBench implements SubcommandProvider {
    @Override
    public Object command() {
      return new SelectBenchCommand();
    }
  }

  /** `edgewise cache-bench`. */
  public static final class CacheBench implements SubcommandProvider {
    @Override
    public Object command() {
      return new CacheBenchCommand();
    }
  }

  /** `edgewise shape-bench`. */
  public static final class ShapeBench implements SubcommandProvider {
    @Override
    public Object command() {
      return new ShapeBenchCommand();
    }
  }

  /** `edgewise reuse bench`. */
  public static final class ReuseBench implements SubcommandProvider {
    @Override
    public Object command() {
      return new ReuseBenchCommand();
    }

    @Override
    public String parent() {
      return "reuse";
    }
  }

  /** `edgewise dystri-bench`. */
  public static final class DystriBench implements SubcommandProvider {
    @Override
    public Object command() {
      return new DystriBenchCommand();
    }
  }
}
