/**
 * The root package: {@link EdgewiseException}, the one exception type the runtime throws, with its stable
 * {@link EdgewiseException.ErrorCode} (INVALID_MODEL, INVALID_ARGUMENT, NOT_IMPLEMENTED, ...), and {@link ByName}, the
 * one lookup of a variant, level or input by its name with that exception's message. It sits below every other
 * package. May import: no io.edgewise package and no library outside the JDK.
 */
package io.edgewise;
