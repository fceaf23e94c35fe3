package io.edgewise.backend.fpga;

/**
 * An FPGA board's budget for the design-space search (bitstreams/boards/NAME.json): device resources, the
 * kernel clock it closes timing at, the off-chip bandwidth the kernel's ports reach, and what one multiply-add
 * costs in DSP slices and LUTs at each precision (vendor figures; see the board files' comments).
 */
public record Board(String name, String part, String vendor, int dsp, int bram36, int lut, double clockMhz,
    double offchipBandwidthGBps, double dspPerMacFp32, double lutPerMacFp32, int lutOverhead, String notes) {}
