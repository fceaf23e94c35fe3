package io.edgewise.serve.peer;

import io.edgewise.EdgewiseException;
import io.edgewise.reuse.ReuseQuery;
import io.edgewise.reuse.ReuseTier;
import io.edgewise.serve.common.ModelLease;
import io.edgewise.serve.common.ModelRepository;
import io.edgewise.serve.common.ModelUnavailableException;
import io.edgewise.serve.common.ServedModel;
import io.edgewise.serve.peer.PeerMessage.ReuseLookup;
import io.edgewise.serve.peer.PeerMessage.ReuseResult;
import java.util.Optional;

/**
 * Answers other nodes' REUSE_LOOKUP messages on `edgewise serve --peer-port` from the stores of the served pipelines
 * that reuse (an OCR model's config.json "reuse" section, {@link io.edgewise.serve.common.ServedPipeline#reuseTier}),
 * each with its own calibrated thresholds, then from the {@code --reuse-store} store if one was given. A pipeline is
 * asked only while leased, so that it is neither unloaded nor closed under the look-up; one that is not loaded is
 * not asked (a peer's look-up never loads a model). The namespaces are keyed by the pipeline's models and options,
 * so a pipeline whose store does not hold the query's namespace answers a miss at once.
 */
final class RepositoryReuseLookupHandler implements ReuseLookupHandler {
  private final ModelRepository repository;
  /** The --reuse-store store's tier, or null. */
  private final ReuseTier store;

  RepositoryReuseLookupHandler(ModelRepository repository, ReuseTier store) {
    this.repository = repository;
    this.store = store;
  }

  @Override
  public ReuseResult lookup(ReuseLookup request) {
    ReuseQuery query = StoreReuseLookupHandler.query(request);
    for (ServedModel m : repository.all()) {
      if (m.pipeline() == null || !m.isReady()) {
        continue;
      }
      Optional<ReuseResult> r;
      try (ModelLease lease = repository.acquire(m.name(), m.version())) {
        ServedModel leased = lease.model();
        Optional<ReuseTier> tier = leased.pipeline() == null ? Optional.empty() : leased.pipeline().reuseTier();
        r = tier.isEmpty() ? Optional.empty() : StoreReuseLookupHandler.answer(tier.get(), query);
      } catch (EdgewiseException e) {
        if (e.code() == EdgewiseException.ErrorCode.INVALID_ARGUMENT) {
          throw e;  // the query itself is bad (a feature of the wrong length): the asker is told
        }
        continue;  // removed since all() was read (NOT_FOUND): nothing to ask there
      } catch (ModelUnavailableException e) {
        continue;  // unloaded since all() was read
      }
      if (r.isPresent()) {
        return r.get();
      }
    }
    return store == null ? ReuseResult.miss() : StoreReuseLookupHandler.answer(store, query)
        .orElseGet(ReuseResult::miss);
  }
}
