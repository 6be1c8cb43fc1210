/** Images topic to replay buffer to ExtreMA training steps to the models and metrics topics; checkpoint and resume. */
package io.extrema.trainer;
