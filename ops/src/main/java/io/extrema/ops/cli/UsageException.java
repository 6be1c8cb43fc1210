package io.extrema.ops.cli;

/** The command line is wrong (unknown option, bad value, missing argument): print the message and a hint, exit 2. */
public class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
