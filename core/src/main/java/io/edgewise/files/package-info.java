/**
 * Helpers for files and directories that every module needs the same way: {@link FileTrees} (deletes a directory
 * and everything under it, strictly or best effort). May import: {@code io.edgewise} and the JDK.
 */
package io.edgewise.files;
