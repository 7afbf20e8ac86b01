package io.runnel.produce;

/**
 * One record of a produce request after parsing: JSON bytes exactly as the client sent them
 * (a non-string key with insignificant whitespace removed), not yet placed in a partition.
 *
 * @param partition  explicit partition, or -1 for the partitioner to choose
 * @param key        the key's JSON bytes, or null for a null key
 * @param keyHash    the bytes Kafka's partitioner hashes: a string key's UTF-8, else the key's compact JSON
 * @param value      the value's JSON bytes, or null for a tombstone
 * @param headers    the headers object's JSON bytes, or null for none
 * @param timestamp  epoch millis the client gave, or -1 for "now"
 */
record ProducedRecord(int partition, byte[] key, byte[] keyHash, byte[] value, byte[] headers, long timestamp) {

    int sizeInBytes() {
        return length(key) + length(value) + length(headers);
    }

    private static int length(byte[] b) {
        return b == null ? 0 : b.length;
    }
}
