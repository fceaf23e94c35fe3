package io.edgewise.backend.fpga;

import java.util.List;

/**
 * What a build wrote beside an image binary (image.json in the build directory): which manifest, board, target and
 * compiler produced it, with which tiles and kernels, and the binary's sha256. The loader checks the binary, the
 * manifest and the device against it.
 *
 * @param target "emu" for an emulation build; "hw" for a vendor build
 * @param compiler the OpenCL compiler identity of an emulation build (platform, version, device, driver); a binary
 *     loads only into the same one
 */
public record ImageRecord(String manifest, String board, String target, String compiler, TileConfig tiles,
    List<String> kernels, String binary, String sha256) {}
