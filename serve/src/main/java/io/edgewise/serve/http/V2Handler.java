package io.edgewise.serve.http;

import io.edgewise.EdgewiseException;
import io.edgewise.model.ValueInfo;
import io.edgewise.serve.common.BudgetExpiredException;
import io.edgewise.serve.common.InferenceScheduler;
import io.edgewise.serve.common.ModelLease;
import io.edgewise.serve.common.ModelRepository;
import io.edgewise.serve.common.ModelUnavailableException;
import io.edgewise.serve.common.ServeMetrics;
import io.edgewise.serve.common.ServedGroup;
import io.edgewise.serve.common.ServedModel;
import io.edgewise.serve.common.TokenAuthenticator;
import io.edgewise.tensor.Tensor;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the Open Inference Protocol's requests on one connection. Health probes and the server's own checks run
 * on the network thread; inference is parsed, run and encoded on the {@link InferenceScheduler}'s workers so that
 * a slow model never stalls other connections. Every answer is counted in the metrics.
 */
final class V2Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(V2Handler.class);
  static final String PROTOCOL = "http";

  /** What every connection of one server shares. */
  record Shared(ModelRepository repository, TokenAuthenticator auth, InferenceScheduler scheduler,
      ServeMetrics metrics, InferRequestParser parser, ServerState state) {}

  /** The server's lifecycle as the handlers see it: draining refuses new work, inFlight counts accepted work. */
  static final class ServerState {
    volatile boolean draining;
    final AtomicInteger inFlight = new AtomicInteger();
  }

  private final Shared shared;
  /** Whether an inference of this connection is being answered; requests behind it wait in order. */
  private boolean answering;
  /** The metrics labels of the request being routed, for answers to faults thrown while routing it. */
  private String endpoint;
  private String model;
  private final java.util.ArrayDeque<FullHttpRequest> waiting = new java.util.ArrayDeque<>();

  V2Handler(Shared shared) {
    super(false);  // the handler releases requests itself: inference hands them to a worker thread
    this.shared = shared;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    if (answering) {
      // HTTP/1.1 answers in request order: a pipelined request waits until the inference before it is answered
      waiting.add(req);
      ctx.channel().config().setAutoRead(false);
      return;
    }
    handle(ctx, req);
  }

  private void handle(ChannelHandlerContext ctx, FullHttpRequest req) {
    long start = System.nanoTime();
    boolean handedOff = false;
    endpoint = "unknown";
    model = null;
    try {
      handedOff = route(ctx, req, start);
    } catch (EdgewiseException e) {
      send(ctx, req, HttpResponses.error(HttpResponses.statusOf(e), e.getMessage()), endpoint, model, start);
    } catch (Unavailable e) {
      send(ctx, req, HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, e.getMessage()), endpoint, model,
          start);
    } catch (RuntimeException e) {
      LOG.error("internal error answering {} {}", req.method(), V2Datatype.clip(req.uri()), e);
      send(ctx, req, HttpResponses.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + e),
          endpoint, model, start);
    } finally {
      if (!handedOff) {
        req.release();
      }
    }
    answering = handedOff;
  }

  /** On the event loop, once an inference's answer is written: go on with requests that arrived meanwhile. */
  private void answered(ChannelHandlerContext ctx) {
    answering = false;
    while (!answering && !waiting.isEmpty() && ctx.channel().isActive()) {
      handle(ctx, waiting.poll());
    }
    if (!answering) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    waiting.forEach(FullHttpRequest::release);
    waiting.clear();
    super.channelInactive(ctx);
  }

  /** Answers the request, or hands it to a worker and returns true (the worker then owns and releases it). */
  private boolean route(ChannelHandlerContext ctx, FullHttpRequest req, long start) {
    if (req.decoderResult().isFailure()) {
      Throwable cause = req.decoderResult().cause();
      HttpResponseStatus status = cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
          : cause instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
          : cause instanceof TooLongFrameException ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
          : HttpResponseStatus.BAD_REQUEST;
      // the decoder discards everything after a malformed message, so the connection must close
      sendAndClose(ctx, HttpResponses.error(status, "malformed HTTP request: " + V2Datatype.clip(
          String.valueOf(cause.getMessage()))), "unknown", start);
      return false;
    }
    if (req instanceof RequestGate.Refused refused) {
      // refused from its headers by the gate (version, token, coding), its body dropped unread: answer and close
      FullHttpResponse r = HttpResponses.error(refused.status, refused.reason);
      if (refused.status.equals(HttpResponseStatus.UNAUTHORIZED)) {
        r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"edgewise\"");
      }
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      write(ctx, r, true, "unknown", null, start).addListener(f -> refused.answered());
      return false;
    }
    V2Route route = V2Route.parse(req.uri());
    if ((route == null || !route.isOpen())
        && !shared.auth().acceptsAuthorizationHeader(req.headers().get(HttpHeaderNames.AUTHORIZATION))) {
      FullHttpResponse r = HttpResponses.error(HttpResponseStatus.UNAUTHORIZED,
          "missing or wrong bearer token (send the header 'Authorization: Bearer TOKEN')");
      r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"edgewise\"");
      send(ctx, req, r, route == null ? "unknown" : route.kind().endpoint, null, start);
      return false;
    }
    if (route != null) {
      endpoint = route.kind().endpoint;
      if (route.model() != null && shared.repository().find(route.model(), null).isPresent()) {
        model = route.model();  // a label only for names the repository holds: bounded, never raw request text
      }
    }
    if (route == null) {
      send(ctx, req, HttpResponses.error(HttpResponseStatus.NOT_FOUND, "no such endpoint: " + req.method() + " "
          + V2Datatype.clip(req.uri())), "unknown", null, start);
      return false;
    }
    if (!req.method().equals(route.method())) {
      FullHttpResponse r = HttpResponses.error(HttpResponseStatus.METHOD_NOT_ALLOWED, req.method() + " is not "
          + "allowed on " + V2Datatype.clip(req.uri()) + "; use " + route.method());
      r.headers().set(HttpHeaderNames.ALLOW, route.method().name());
      send(ctx, req, r, route.kind().endpoint, null, start);
      return false;
    }
    switch (route.kind()) {
      case LIVE -> send(ctx, req, HttpResponses.json(HttpResponseStatus.OK, Map.of("live", true)), "health", null,
          start);
      case READY -> {
        // not ready is 503, as the protocol says (Kubernetes probes and load balancers read it); "live" too because
        // inference_rest.md's $ready_server_response names that field (a copy of the live object's)
        boolean ready = !shared.state().draining && shared.repository().allReady();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ready", ready);
        body.put("live", true);
        send(ctx, req, HttpResponses.json(ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
            body), "health", null, start);
      }
      case SERVER_METADATA -> send(ctx, req, HttpResponses.json(HttpResponseStatus.OK, V2Metadata.server()),
          "metadata", null, start);
      case METRICS -> send(ctx, req, HttpResponses.text(HttpResponseStatus.OK, shared.metrics().scrape(),
          ServeMetrics.contentType()), "metrics", null, start);
      case MODEL_METADATA -> {
        ServedModel m = available(route);
        if (!m.isReady()) {
          // not loaded now but loads on demand (model cache): load it off the network thread
          return offload(ctx, req, "metadata", m.name(), start, () -> {
            try (ModelLease lease = shared.repository().acquire(m.name(), m.version())) {
              return HttpResponses.json(HttpResponseStatus.OK,
                  V2Metadata.model(lease.model(), shared.repository().versions(m.name())));
            }
          });
        }
        send(ctx, req, HttpResponses.json(HttpResponseStatus.OK,
            V2Metadata.model(m, shared.repository().versions(m.name()))), "metadata", m.name(), start);
      }
      case REPOSITORY_INDEX -> {
        boolean readyOnly = ModelControlRequests.readyFilter(req.content());
        List<Map<String, Object>> rows = new java.util.ArrayList<>();
        for (ModelRepository.IndexEntry e : shared.repository().index(readyOnly)) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("name", e.name());
          row.put("version", e.version());
          row.put("state", e.state().name());
          row.put("reason", e.reason());
          rows.add(row);
        }
        send(ctx, req, HttpResponses.json(HttpResponseStatus.OK, rows), "repository", null, start);
      }
      case REPOSITORY_LOAD -> {
        byte[] config = ModelControlRequests.loadConfig(req.content());
        String name = route.model();
        return offload(ctx, req, "repository", model, start, () -> {
          shared.repository().load(name, config);
          return HttpResponses.bytes(HttpResponseStatus.OK, new byte[0],
              HttpHeaderValues.APPLICATION_JSON.toString());
        });
      }
      case REPOSITORY_UNLOAD -> {
        String name = route.model();
        return offload(ctx, req, "repository", model, start, () -> {
          shared.repository().unload(name);
          return HttpResponses.bytes(HttpResponseStatus.OK, new byte[0],
              HttpHeaderValues.APPLICATION_JSON.toString());
        });
      }
      case MODEL_READY -> {
        ServedModel m = find(route);
        boolean ready = shared.repository().servable(m) && !shared.state().draining;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", m.name());
        body.put("ready", ready);
        send(ctx, req, HttpResponses.json(ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
            body), "ready", m.name(), start);
      }
      case INFER -> {
        return infer(ctx, req, route, start);
      }
      case FEEDBACK -> {
        ServedModel m = available(route);
        GroupFeedback.Request f = GroupFeedback.parse(req.content());  // on this thread: offload releases req
        return offload(ctx, req, "feedback", m.name(), start, () -> {
          try (ModelLease lease = shared.repository().acquire(m.name(), m.version())) {
            return HttpResponses.json(HttpResponseStatus.OK, GroupFeedback.apply(lease.model(), f));
          }
        });
      }
      default -> throw new IllegalStateException("unrouted " + route);
    }
    return false;
  }

  private ServedModel find(V2Route route) {
    return shared.repository().find(route.model(), route.version()).orElseThrow(() -> {
      List<String> versions = shared.repository().versions(route.model());
      String what = versions.isEmpty() ? "model '" + V2Datatype.clip(route.model()) + "' is not in the repository"
          : "model '" + route.model() + "' has no version '" + V2Datatype.clip(route.version()) + "' (versions: "
              + versions + ")";
      return new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, what);
    });
  }

  /**
   * The model, which must be loaded or load on demand; an unavailable one is a 503 that says why (its load failed,
   * it is being unloaded, explicit control has not loaded it).
   */
  private ServedModel available(V2Route route) {
    ServedModel m = find(route);
    if (!m.isReady() && !shared.repository().servable(m)) {
      throw new Unavailable("model " + m.label() + " is unavailable: " + shared.repository().unavailableReason(m));
    }
    return m;
  }

  /** The server cannot do this now (model failed to load, shutting down): HTTP 503. */
  private static final class Unavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unavailable(String message) {
      super(message, null, false, false);
    }
  }

  private boolean infer(ChannelHandlerContext ctx, FullHttpRequest req, V2Route route, long start) {
    ServedModel model;
    try {
      if (shared.state().draining) {
        throw new Unavailable("the server is shutting down");
      }
      model = available(route);
    } catch (Unavailable e) {
      send(ctx, req, HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, e.getMessage()), "infer", null,
          start);
      return false;
    }
    String headerLength = req.headers().get(InferRequestParser.HEADER_LENGTH);
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    shared.state().inFlight.incrementAndGet();
    try {
      // the answer is written once the scheduler has freed the worker's slot, so that a client sending its next
      // request as soon as it reads this answer never finds the slot still taken (a spurious 429); and always as a
      // later task of the event loop, never inside this call, which marks the connection as answering on return
      shared.scheduler().submit(shared.repository().deviceOf(model), () -> runInference(ctx, req, model,
          headerLength, start)).whenCompleteAsync((answer, failure) -> {
            if (answer == null && failure == null) {
              return;  // the client left; runInference accounted for it
            }
            FullHttpResponse response = answer;
            if (failure != null) {
              LOG.error("internal error running {}", model.label(), failure);
              response = HttpResponses.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, model.label()
                  + ": internal error: " + failure);
            }
            write(ctx, response, keepAlive, "infer", model.name(), start).addListener(f -> {
              shared.state().inFlight.decrementAndGet();
              answered(ctx);
            });
          }, ctx.executor());
      return true;
    } catch (EdgewiseException e) {
      shared.state().inFlight.decrementAndGet();
      boolean busy = e.code() == EdgewiseException.ErrorCode.RESOURCE_EXHAUSTED;
      FullHttpResponse r = HttpResponses.error(busy ? HttpResponseStatus.TOO_MANY_REQUESTS
          : HttpResponseStatus.SERVICE_UNAVAILABLE, e.getMessage());
      if (busy) {
        r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
      }
      send(ctx, req, r, "infer", model.name(), start);
      return false;
    }
  }

  /**
   * On a worker: parse, run, encode. Owns req and releases it; returns the answer to write, or null when the client
   * has left (then nothing is written and the request is accounted for here).
   */
  private FullHttpResponse runInference(ChannelHandlerContext ctx, FullHttpRequest req, ServedModel found,
      String headerLength, long start) {
    ServedModel model = found;
    if (!ctx.channel().isActive()) {
      // the client left while its request waited for a worker: nobody would read the answer, so skip the work
      req.release();
      shared.state().inFlight.decrementAndGet();
      shared.metrics().record(PROTOCOL, "infer", model.name(), 499, System.nanoTime() - start);
      return null;
    }
    FullHttpResponse response;
    Map<String, Tensor> outputs = Map.of();
    ModelLease lease = null;
    try (InferRequest request = shared.parser().parse(req.content().nioBuffer(), headerLength)) {
      req.release();
      // held until the answer is encoded: an unload or eviction waits for it (loads the model on a cache miss)
      lease = shared.repository().acquire(found.name(), found.version());
      model = lease.model();
      InferResponseEncoder.Encoded enc;
      if (model.pipeline() instanceof ServedGroup) {
        enc = GroupInference.run(ctx.alloc(), model, request, start, shared.metrics().registry());
      } else if (model.pipeline() != null) {
        enc = PipelineInference.run(ctx.alloc(), model, request);
      } else {
        PipelineInference.refuseBytes(model, request);
        checkOutputs(model, request);
        outputs = model.session().run(request.inputs());
        enc = InferResponseEncoder.encode(ctx.alloc(), model.name(), model.version(), request, outputs);
      }
      response = HttpResponses.content(HttpResponseStatus.OK, enc.content(), enc.binary()
          ? HttpHeaderValues.APPLICATION_OCTET_STREAM.toString() : HttpHeaderValues.APPLICATION_JSON.toString());
      if (enc.binary()) {
        response.headers().setInt(InferRequestParser.HEADER_LENGTH, enc.jsonLength());
      }
    } catch (EdgewiseException e) {
      response = HttpResponses.error(HttpResponses.statusOf(e), model.label() + ": " + e.getMessage());
    } catch (ModelUnavailableException e) {
      response = HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, e.getMessage());
    } catch (BudgetExpiredException e) {
      response = HttpResponses.error(HttpResponseStatus.GATEWAY_TIMEOUT, e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("internal error running {}", model.label(), e);
      response = HttpResponses.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, model.label() + ": internal error: "
          + e);
    } finally {
      if (req.refCnt() > 0) {
        req.release();
      }
      outputs.values().forEach(Tensor::close);
      if (lease != null) {
        lease.close();
      }
    }
    return response;
  }

  /**
   * Answers a request on the repository's control threads (a load, an unload that waits for requests, a metadata
   * request that loads the model), never on the network thread; returns true (the request is released there).
   */
  private boolean offload(ChannelHandlerContext ctx, FullHttpRequest req, String endpoint, String label, long start,
      java.util.function.Supplier<FullHttpResponse> work) {
    if (shared.state().draining) {
      throw new Unavailable("the server is shutting down");
    }
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    shared.state().inFlight.incrementAndGet();
    try {
      shared.repository().controlExecutor().execute(() -> {
        req.release();
        FullHttpResponse r;
        try {
          r = work.get();
        } catch (EdgewiseException e) {
          r = HttpResponses.error(HttpResponses.statusOf(e), e.getMessage());
        } catch (ModelUnavailableException e) {
          r = HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, e.getMessage());
        } catch (RuntimeException e) {
          LOG.error("internal error answering a {} request", endpoint, e);
          r = HttpResponses.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + e);
        }
        write(ctx, r, keepAlive, endpoint, label, start).addListener(f -> {
          shared.state().inFlight.decrementAndGet();
          answered(ctx);
        });
      });
      return true;
    } catch (java.util.concurrent.RejectedExecutionException e) {
      shared.state().inFlight.decrementAndGet();
      FullHttpResponse r = HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "too many model control "
          + "requests at once; retry later");
      r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
      send(ctx, req, r, endpoint, label, start);
      return false;
    }
  }

  private static void checkOutputs(ServedModel model, InferRequest request) {
    if (request.outputs() == null) {
      return;
    }
    List<String> names = model.session().outputs().stream().map(ValueInfo::name).toList();
    for (InferRequest.RequestedOutput o : request.outputs()) {
      if (!names.contains(o.name())) {
        throw EdgewiseException.invalidArgument("unknown output '" + V2Datatype.clip(o.name()) + "'; the model's "
            + "outputs are " + names);
      }
    }
  }

  private void send(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse r, String endpoint, String model,
      long start) {
    write(ctx, r, HttpUtil.isKeepAlive(req), endpoint, model, start);
  }

  /** Answers a request whose rest the decoder will not read (malformed): drain it, or a reset may eat the answer. */
  private void sendAndClose(ChannelHandlerContext ctx, FullHttpResponse r, String endpoint, long start) {
    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    shared.metrics().record(PROTOCOL, endpoint, null, r.status().code(), System.nanoTime() - start);
    ctx.writeAndFlush(r).addListener(f -> LingeringClose.close(ctx.channel()));
  }

  /** Writes a response; closes the connection after it unless keep-alive holds (never while draining). */
  private io.netty.channel.ChannelFuture write(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive,
      String endpoint, String model, long start) {
    boolean close = !keepAlive || shared.state().draining;
    if (close) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    shared.metrics().record(PROTOCOL, endpoint, model, r.status().code(), System.nanoTime() - start);
    io.netty.channel.ChannelFuture f = ctx.writeAndFlush(r);
    if (close) {
      f.addListener(ChannelFutureListener.CLOSE);
    }
    return f;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // a reset connection or a TLS handshake failure: nothing to answer, only this connection ends
    LOG.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
