package io.edgewise.tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects every tensor allocated on this thread while the scope is open, and closes those not explicitly kept
 * when it closes (JavaCPP's PointerScope, for tensors). The executor wraps each kernel call in one, so that a
 * kernel that throws halfway, or forgets a temporary, cannot leak native memory.
 */
public final class TensorScope implements AutoCloseable {
  private static final ThreadLocal<TensorScope> CURRENT = new ThreadLocal<>();

  private final TensorScope parent;
  private final Map<Tensor, Boolean> tensors = new IdentityHashMap<>();
  private boolean closed;

  private TensorScope(TensorScope parent) {
    this.parent = parent;
  }

  public static TensorScope open() {
    TensorScope scope = new TensorScope(CURRENT.get());
    CURRENT.set(scope);
    return scope;
  }

  static void track(Tensor t) {
    TensorScope scope = CURRENT.get();
    if (scope != null) {
      scope.tensors.put(t, Boolean.TRUE);
    }
  }

  /** Keeps these tensors alive past the scope (they move to the enclosing scope, if any). Nulls are ignored. */
  public void keep(Tensor... kept) {
    for (Tensor t : kept) {
      if (t != null && tensors.remove(t) != null && parent != null) {
        parent.tensors.put(t, Boolean.TRUE);
      }
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    CURRENT.set(parent);
    List<Tensor> leftovers = new ArrayList<>(tensors.keySet());
    tensors.clear();
    leftovers.forEach(Tensor::close);
  }
}
