package io.edgewise.tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects every tensor allocated on this thread while the scope is open, and closes those not explicitly kept
 * when it closes (JavaCPP's PointerScope, for tensors). The executor wraps each kernel call in one, so that a
 * kernel that throws halfway, or forgets a temporary, cannot leak native memory.
 */
public final class TensorScope implements AutoCloseable {
  private static final ThreadLocal<TensorScope> CURRENT = new ThreadLocal<>();

  private final TensorScope parent;
  // a kernel allocates a few tensors (its outputs, maybe a temporary): a list searched by identity, made on first use
  private List<Tensor> tensors;
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
      scope.add(t);
    }
  }

  private void add(Tensor t) {
    if (tensors == null) {
      tensors = new ArrayList<>(4);
    }
    tensors.add(t);
  }

  /** Removes t (by identity); whether it was tracked here. */
  private boolean untrack(Tensor t) {
    if (tensors != null) {
      for (int i = tensors.size() - 1; i >= 0; i--) {
        if (tensors.get(i) == t) {
          tensors.remove(i);
          return true;
        }
      }
    }
    return false;
  }

  /** Keeps these tensors alive past the scope (they move to the enclosing scope, if any). Nulls are ignored. */
  public void keep(Tensor... kept) {
    for (Tensor t : kept) {
      if (t != null && untrack(t) && parent != null) {
        parent.add(t);
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
    if (tensors != null) {
      List<Tensor> leftovers = tensors;
      tensors = null;
      leftovers.forEach(Tensor::close);
    }
  }
}
