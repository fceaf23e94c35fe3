package io.edgewise.cli;

import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.common.TlsFiles;
import io.edgewise.serve.common.TokenAuthenticator;
import io.edgewise.serve.dystri.DystriNode;
import io.edgewise.serve.dystri.LevelsFile;
import io.edgewise.serve.dystri.SessionLevels;
import io.edgewise.serve.peer.TokenCheck;
import java.io.PrintWriter;
import java.nio.file.Path;

/** Starts the Dystri node of `serve --node-port P --levels FILE` and says where it listens and what it measured. */
final class DystriNodes {
  private DystriNodes() {}

  static DystriNode start(String host, int port, Path levelsFile, SessionOptions session, int workers, int maxQueue,
      TokenAuthenticator auth, TlsFiles tls, PrintWriter out) {
    SessionLevels levels = SessionLevels.open(LevelsFile.read(levelsFile), session, 20);
    DystriNode node = DystriNode.start(host, port, levels, workers, Math.max(64, maxQueue),
        tokens(auth), tls == null ? null : tls.serverContext());
    for (int i = 0; i < levels.ladder().size(); i++) {
      var l = levels.ladder().get(i);
      out.printf("level:   %d %s accuracy %.4f, %.3f ms measured here%n", i, l.name(), l.accuracy(), l.costMs());
    }
    out.println("node:    listening on " + host + ":" + node.port() + " (Dystri node, " + workers + " worker"
        + (workers == 1 ? "" : "s") + ", " + levels.ladder().size() + " levels)");
    return node;
  }

  static TokenCheck tokens(TokenAuthenticator auth) {
    return auth.enabled() ? auth::acceptsToken : TokenCheck.disabled();
  }
}
