/**
 * What the HTTP and peer servers share: {@link ModelRepository} (a Triton- and KServe-style directory of versioned
 * models, each a {@link ServedModel}: an ONNX session, or a {@link ServedPipeline} a config.json declares, see
 * {@link PipelineConfig}; today the OCR pipeline of {@code io.edgewise.apps.ocr}), {@link InferenceScheduler}
 * (bounded work off the network threads), {@link ServeLimits}, {@link TokenAuthenticator} (bearer tokens),
 * {@link TlsFiles} (PEM files to a Netty SslContext) and {@link ServeMetrics} (Micrometer, scraped in the Prometheus
 * text format); {@link BudgetedGroup} (a model group under time budgets) and {@link ServedGroup} (a group a
 * config.json declares, served under time budgets and learning from QoE feedback); {@link ReusePeers} (the seam
 * through which a served pipeline asks other nodes' reuse stores, implemented by the peer protocol). May import:
 * {@code io.edgewise}, {@code io.edgewise.runtime}, {@code io.edgewise.model}, {@code io.edgewise.tensor},
 * {@code io.edgewise.adapt}, {@code io.edgewise.reuse} and {@code io.edgewise.apps.ocr}; Netty
 * ({@code io.netty.handler.ssl} only), Micrometer (core and the Prometheus registry), Jackson databind and SLF4J.
 */
package io.edgewise.serve.common;
