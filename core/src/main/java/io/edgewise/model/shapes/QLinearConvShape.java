package io.edgewise.model.shapes;

import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import java.util.List;

/** QLinearConv reads X at input 0 and W at input 3; its output type is y_zero_point's. */
final class QLinearConvShape {
  private QLinearConvShape() {}

  static ValueInfo of(ShapeRules.Context ctx) {
    Node n = ctx.node();
    Node view = new Node(n.name(), "Conv", "", List.of(n.input(0), n.input(3)), n.outputs(), n.attributes());
    ShapeRules.Context convCtx = new ShapeRules.Context(view, ctx.opset(), ctx.known(), ctx.constants(),
        ctx.values());
    return ConvShapes.conv(convCtx, ctx.input(7).dtype());
  }
}
