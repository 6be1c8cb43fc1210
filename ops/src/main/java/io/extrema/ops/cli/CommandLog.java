package io.extrema.ops.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;

/**
 * Where a command's log lines go. Everything from INFO up, libraries included (Kafka's retriable warnings, DJL's
 * engine and CUDA probing), goes to the command's log file; the terminal (standard error) gets only what a user
 * acts on: warnings and errors of our own code ({@value #OURS}) and errors of the libraries, one line each (the
 * stack trace is in the file). Set up in code rather than in a log4j2 file so that no other configuration on the
 * class path (a test jar's log4j2-test.xml) can take precedence.
 */
public final class CommandLog {
    /** Loggers of our own code: the ones whose warnings a user acts on. */
    static final String OURS = "io.extrema";

    private static final String FILE = "file";
    private static final String TERMINAL = "terminal";
    /** Bounds the disk a long run's log takes: the file and three rolled ones of this size at most. */
    private static final String ROLL_SIZE = "20 MB";

    private CommandLog() {}

    /** Sends the JVM's logging to {@code file} and the terminal as described above; returns the file's absolute path. */
    public static Path route(Path file) throws IOException {
        Path log = file.toAbsolutePath().normalize();
        if (log.getParent() != null) Files.createDirectories(log.getParent());
        ConfigurationBuilder<BuiltConfiguration> b = ConfigurationBuilderFactory.newConfigurationBuilder();
        b.setConfigurationName("extrema");
        b.setStatusLevel(Level.ERROR);
        // Logging stays up until the JVM exits, so errors while closing the parts on Ctrl-C are still written.
        b.setShutdownHook("disable");
        b.add(b.newAppender(FILE, "RollingFile")
                .addAttribute("fileName", log.toString())
                .addAttribute("filePattern", log + ".%i")
                .add(b.newLayout("PatternLayout").addAttribute("pattern", "%d{ISO8601} %-5p [%t] %c: %m%n"))
                .addComponent(b.newComponent("Policies")
                        .addComponent(
                                b.newComponent("SizeBasedTriggeringPolicy").addAttribute("size", ROLL_SIZE)))
                .addComponent(b.newComponent("DefaultRolloverStrategy").addAttribute("max", "3")));
        b.add(b.newAppender(TERMINAL, "Console")
                .addAttribute("target", ConsoleAppender.Target.SYSTEM_ERR)
                .addAttribute("follow", true) // whatever System.err is now, as the commands' own messages
                .add(b.newLayout("PatternLayout")
                        .addAttribute("pattern", "%d{HH:mm:ss} %p %c{1}: %m%notEmpty{ (%throwable{short.message})}%n")
                        .addAttribute("alwaysWriteExceptions", false)));
        b.add(b.newLogger(OURS, Level.INFO)
                .addAttribute("additivity", false)
                .add(b.newAppenderRef(FILE))
                .add(b.newAppenderRef(TERMINAL).addAttribute("level", Level.WARN)));
        b.add(b.newRootLogger(Level.INFO)
                .add(b.newAppenderRef(FILE))
                .add(b.newAppenderRef(TERMINAL).addAttribute("level", Level.ERROR)));
        Configurator.reconfigure(b.build());
        return log;
    }
}
