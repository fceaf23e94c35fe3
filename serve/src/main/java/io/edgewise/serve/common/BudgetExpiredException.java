package io.edgewise.serve.common;

/**
 * A request dropped unrun because its time budget had passed before it could start (a model group's
 * {@link BudgetedGroup}): its answer would arrive too late to be of use. The HTTP server answers 504, gRPC's
 * DEADLINE_EXCEEDED as the usual HTTP mapping has it, with this message as the reason.
 */
public final class BudgetExpiredException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BudgetExpiredException(String message) {
    super(message, null, false, false);
  }
}
