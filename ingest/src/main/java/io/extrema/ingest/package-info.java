/** Image sources (folders, tar shards, HTTP, standard input) to validated image records on the images topic. */
package io.extrema.ingest;
