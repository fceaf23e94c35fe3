package io.edgewise.backend;

/** What kind of processor a device is; the planner's cost model differs per kind. */
public enum DeviceKind { CPU, GPU, FPGA, REFERENCE }
