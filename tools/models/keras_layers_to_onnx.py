"""Converts a TF.js layers model (Keras model config as JSON plus uint8
quantised weights) to ONNX that OpenCV 4.6's readNetFromONNX loads.

Written for the nsfwjs MobileNetV2 classifier. Batch normalisation is folded
into the convolution before it, ZeroPadding2D into the convolution after it,
ReLU with max_value becomes Clip with min/max attributes (opset 10, because
OpenCV 4.6 rejects Clip's opset-11 input form), and Dense becomes Gemm with
weights stored [out, in] and transB=1. The input stays NHWC, as the model
was trained, behind one Transpose.

Usage: keras_layers_to_onnx.py MODEL.json WEIGHTS.bin OUT.onnx
"""

import json
import math
import sys

import numpy as np

from onnx_writer import GraphBuilder, conv_output_size, save_model

ACTIVATIONS = {"relu": "Relu", "softmax": "Softmax", "linear": None}


def load_weights(model, weights_path):
    """Dequantises every weight: value = quantised * scale + min."""
    data = open(weights_path, "rb").read()
    offset = 0
    weights = {}
    for group in model["weightsManifest"]:
        for entry in group["weights"]:
            count = int(np.prod(entry["shape"]))
            quantization = entry.get("quantization")
            if quantization and quantization["dtype"] == "uint8":
                raw = np.frombuffer(data, np.uint8, count, offset).astype(np.float32)
                value = raw * np.float32(quantization["scale"]) + np.float32(quantization["min"])
                offset += count
            elif entry["dtype"] == "float32" and not quantization:
                value = np.frombuffer(data, np.float32, count, offset)
                offset += 4 * count
            else:
                raise SystemExit(f"unsupported weight {entry['name']}: {entry['dtype']} {quantization}")
            weights[entry["name"]] = value.reshape(entry["shape"])
    if offset != len(data):
        raise SystemExit(f"weights file has {len(data)} bytes, manifest describes {offset}")
    return weights


def same_padding(size, kernel, stride):
    """TensorFlow's SAME padding: the extra pixel, if any, goes at the end."""
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class Converter:
    def __init__(self, model, weights):
        config = model["modelTopology"]["model_config"]["config"]
        self.layers = config["layers"]
        self.output_layer = config["output_layers"][0][0]
        self.weights = weights
        self.builder = GraphBuilder()
        self.tensors = {}
        self.pending_pads = {}
        self.readers = {}
        for layer in self.layers:
            for source in self.sources(layer):
                self.readers.setdefault(source, []).append(layer)

    @staticmethod
    def sources(layer):
        if not layer["inbound_nodes"]:
            return []
        return [entry[0] for entry in layer["inbound_nodes"][0]]

    def convert(self):
        for layer in self.layers:
            handler = getattr(self, "layer_" + layer["class_name"], None)
            if handler is None:
                raise SystemExit(f"unsupported layer {layer['class_name']} ({layer['name']})")
            handler(layer)
        return self.tensors[self.output_layer]

    def input_of(self, layer):
        return self.tensors[self.sources(layer)[0]]

    def layer_InputLayer(self, layer):
        shape = [1] + layer["config"]["batch_input_shape"][1:]
        self.builder.shapes["input"] = shape
        self.tensors[layer["name"]] = self.builder.transpose("input", [0, 3, 1, 2])

    def layer_ZeroPadding2D(self, layer):
        (top, bottom), (left, right) = layer["config"]["padding"]
        for reader in self.readers[layer["name"]]:
            if reader["class_name"] not in ("Conv2D", "DepthwiseConv2D"):
                raise SystemExit(f"{layer['name']}: padding must feed a convolution")
        self.pending_pads[layer["name"]] = [top, left, bottom, right]
        self.tensors[layer["name"]] = self.input_of(layer)

    def folded_batch_norm(self, layer, weights, bias):
        """Folds the BatchNormalization that alone reads this layer into its weights."""
        readers = self.readers[layer["name"]]
        if len(readers) != 1 or readers[0]["class_name"] != "BatchNormalization":
            return weights, bias, layer["name"]
        bn = readers[0]
        name = bn["name"]
        gamma = self.weights[f"{name}/gamma"]
        beta = self.weights[f"{name}/beta"]
        mean = self.weights[f"{name}/moving_mean"]
        variance = self.weights[f"{name}/moving_variance"]
        scale = gamma / np.sqrt(variance + bn["config"]["epsilon"])
        weights = weights * scale.reshape(-1, 1, 1, 1)
        bias = (bias - mean) * scale + beta
        return weights, bias, name

    def convolution(self, layer, weights, group):
        b = self.builder
        config = layer["config"]
        x = self.input_of(layer)
        stride = config["strides"]
        _, _, h, w = b.shapes[x]
        kh, kw = weights.shape[2:]
        source = self.sources(layer)[0]
        pads = list(self.pending_pads.get(source, [0, 0, 0, 0]))
        if config["padding"] == "same":
            top, bottom = same_padding(h, kh, stride[0])
            left, right = same_padding(w, kw, stride[1])
            pads = [pads[0] + top, pads[1] + left, pads[2] + bottom, pads[3] + right]
        channels = weights.shape[0]
        bias = self.weights.get(f"{layer['name']}/bias", np.zeros(channels, np.float32))
        weights, bias, output_name = self.folded_batch_norm(layer, weights, bias)
        shape = [1, channels, conv_output_size(h, kh, stride[0], pads[0], pads[2]),
                 conv_output_size(w, kw, stride[1], pads[1], pads[3])]
        inputs = [x, b.constant("weights", weights.astype(np.float32)), b.constant("bias", bias.astype(np.float32))]
        y = b.add("Conv", inputs, shape, kernel_shape=[kh, kw], strides=stride, pads=pads, group=group)
        self.tensors[layer["name"]] = y
        self.tensors[output_name] = y
        self.activation(layer, output_name)

    def activation(self, layer, output_name):
        op = ACTIVATIONS[layer["config"].get("activation", "linear")]
        if op is None:
            return
        x = self.tensors[output_name]
        attrs = {"axis": 1} if op == "Softmax" else {}
        self.tensors[output_name] = self.builder.add(op, [x], self.builder.shapes[x], **attrs)

    def layer_Conv2D(self, layer):
        kernel = self.weights[f"{layer['name']}/kernel"]  # HWIO
        self.convolution(layer, np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)), 1)

    def layer_DepthwiseConv2D(self, layer):
        kernel = self.weights[f"{layer['name']}/depthwise_kernel"]  # H W C multiplier
        if kernel.shape[3] != 1:
            raise SystemExit(f"{layer['name']}: depth multiplier other than 1 is not handled")
        weights = np.ascontiguousarray(kernel.transpose(2, 3, 0, 1))
        self.convolution(layer, weights, kernel.shape[2])

    def layer_BatchNormalization(self, layer):
        if layer["name"] not in self.tensors:
            raise SystemExit(f"{layer['name']}: batch normalisation not after a convolution")

    def layer_ReLU(self, layer):
        b = self.builder
        config = layer["config"]
        if config.get("negative_slope", 0) or config.get("threshold", 0):
            raise SystemExit(f"{layer['name']}: leaky or thresholded ReLU is not handled")
        x = self.input_of(layer)
        if config.get("max_value") is None:
            self.tensors[layer["name"]] = b.add("Relu", [x], b.shapes[x])
        else:
            self.tensors[layer["name"]] = b.add("Clip", [x], b.shapes[x], min=0.0, max=float(config["max_value"]))

    def layer_Add(self, layer):
        inputs = [self.tensors[s] for s in self.sources(layer)]
        self.tensors[layer["name"]] = self.builder.add("Add", inputs, self.builder.shapes[inputs[0]])

    def layer_AveragePooling2D(self, layer):
        b = self.builder
        config = layer["config"]
        x = self.input_of(layer)
        if config["padding"] != "valid":
            raise SystemExit(f"{layer['name']}: only valid padding is handled")
        kernel, stride = config["pool_size"], config["strides"]
        n, c, h, w = b.shapes[x]
        shape = [n, c, conv_output_size(h, kernel[0], stride[0], 0, 0), conv_output_size(w, kernel[1], stride[1], 0, 0)]
        self.tensors[layer["name"]] = b.add("AveragePool", [x], shape, kernel_shape=kernel, strides=stride)

    def layer_Flatten(self, layer):
        b = self.builder
        x = self.input_of(layer)
        n, c, h, w = b.shapes[x]
        if h * w != 1:
            # Keras flattens channels-last; with 1x1 spatial size both orders agree.
            x = b.transpose(x, [0, 2, 3, 1])
        shape = [n, c * h * w]
        self.tensors[layer["name"]] = b.add("Reshape", [x, b.constant("shape", np.asarray(shape, np.int64))], shape)

    def layer_Dense(self, layer):
        b = self.builder
        x = self.input_of(layer)
        kernel = self.weights[f"{layer['name']}/kernel"]  # [in, out]
        bias = self.weights[f"{layer['name']}/bias"]
        inputs = [x, b.constant("weights", np.ascontiguousarray(kernel.T).astype(np.float32)),
                  b.constant("bias", bias.astype(np.float32))]
        self.tensors[layer["name"]] = b.add("Gemm", inputs, [1, kernel.shape[1]], transB=1)
        self.activation(layer, layer["name"])

    def layer_Dropout(self, layer):
        self.tensors[layer["name"]] = self.input_of(layer)


def main():
    if len(sys.argv) != 4:
        raise SystemExit("usage: keras_layers_to_onnx.py MODEL.json WEIGHTS.bin OUT.onnx")
    model = json.load(open(sys.argv[1]))
    converter = Converter(model, load_weights(model, sys.argv[2]))
    output = converter.convert()
    b = converter.builder
    final = b.add("Identity", [output], b.shapes[output], output="probabilities")
    count = save_model(b, ["input"], [final], sys.argv[3], 10, "keras_layers_to_onnx")
    print(f"wrote {sys.argv[3]}: {count} nodes, output probabilities {b.shapes[final]}")


if __name__ == "__main__":
    main()
