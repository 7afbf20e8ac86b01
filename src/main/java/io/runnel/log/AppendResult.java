package io.runnel.log;

/** Where an appended batch landed: the offsets of its first and last records. */
public record AppendResult(long baseOffset, long lastOffset) {
}
