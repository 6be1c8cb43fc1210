/** A real single-node KRaft Kafka broker and a real schema registry as local processes on loopback: for the extrema stack command and for every module's integration tests. */
package io.extrema.stack;
