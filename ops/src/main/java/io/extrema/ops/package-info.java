/** The extrema command line, configuration, dashboard and benchmarks. */
package io.extrema.ops;
