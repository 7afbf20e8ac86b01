package io.runnel.log;

/**
 * When appended bytes are forced to the disk ({@code runnel.storage.flush}).
 * <ul>
 *   <li>{@link #ALWAYS}: before an append is acknowledged or visible; concurrent appends share one
 *       fsync (group commit). An acknowledged record survives power loss.</li>
 *   <li>{@link #INTERVAL}: by a background task every {@code runnel.storage.flush-interval};
 *       a power loss may lose what was acknowledged during the last interval.</li>
 *   <li>{@link #OS}: only at segment roll and shutdown; the page cache decides. A process crash
 *       loses nothing, a power loss may lose anything not yet written back.</li>
 * </ul>
 */
public enum FlushPolicy {
    ALWAYS, INTERVAL, OS
}
