/**
 * What the HTTP and peer servers share: {@link ModelRepository} (a Triton- and KServe-style directory of versioned
 * models, each a {@link ServedModel}), {@link InferenceScheduler} (bounded work off the network threads),
 * {@link ServeLimits}, {@link TokenAuthenticator} (bearer tokens), {@link TlsFiles} (PEM files to a Netty SslContext)
 * and {@link ServeMetrics} (Micrometer, scraped in the Prometheus text format); {@link BudgetedGroup} (a model group
 * under time budgets). May import: {@code io.edgewise}, {@code io.edgewise.runtime}, {@code io.edgewise.tensor} and
 * {@code io.edgewise.adapt}; Netty ({@code io.netty.handler.ssl} only), Micrometer (core and the Prometheus
 * registry), Jackson databind and SLF4J.
 */
package io.edgewise.serve.common;
