package io.extrema.stack;

import java.util.List;

/** What {@code extrema stack status} reports: each service's state and address. */
public record StackStatus(List<Service> services) {

    public enum State {
        /** process alive and its port accepts connections */
        UP,
        /** process alive, port not answering yet (starting or stuck) */
        NOT_READY,
        /** no live process */
        DOWN
    }

    /** One service: its name ("broker", "registry"), state, pid (-1 when down) and address. */
    public record Service(String name, State state, long pid, String address) {}

    public StackStatus {
        services = List.copyOf(services);
    }

    /** The state of the service called {@code name}; DOWN for a name this status does not list. */
    public State state(String name) {
        return services.stream()
                .filter(s -> s.name().equals(name))
                .map(Service::state)
                .findFirst()
                .orElse(State.DOWN);
    }

    public boolean allUp() {
        return services.stream().allMatch(s -> s.state() == State.UP);
    }

    public boolean allDown() {
        return services.stream().allMatch(s -> s.state() == State.DOWN);
    }
}
