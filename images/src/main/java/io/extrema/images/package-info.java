/** Safe image decoding with limits checked from the header, and image sources (folders, tar and WebDataset shards). */
package io.extrema.images;
