package io.edgewise.backend;

/**
 * A device a backend runs on, as the planner and `edgewise devices` see it.
 *
 * @param name the contract name: ref, cpu, opencl:i, fpga:i, ort (ARCHITECTURE.md)
 * @param peakGflops FP32 peak; {@code peakSource} says whether it was "measured", "modeled" or "unknown"
 */
public record Device(String name, DeviceKind kind, String description, long memoryBytes, int computeUnits,
    double peakGflops, String peakSource) {}
