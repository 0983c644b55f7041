"""Shared helpers for the converters: build ONNX nodes, track tensor shapes,
cancel opposite Transpose pairs, and save a model OpenCV 4.6's importer reads.

Used at setup only, with Debian's python3-onnx and python3-numpy.
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class GraphBuilder:
    """An ONNX graph under construction, with the shape of every tensor."""

    def __init__(self):
        self.nodes = []
        self.initializers = []
        self.shapes = {}
        self._counter = 0

    def fresh(self, stem):
        self._counter += 1
        return f"{stem}__{self._counter}"

    def constant(self, stem, array):
        name = self.fresh(stem)
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        self.shapes[name] = list(np.asarray(array).shape)
        return name

    def add(self, op, inputs, output_shape, output=None, **attrs):
        output = output or self.fresh(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [output], **attrs))
        self.shapes[output] = list(output_shape)
        return output

    def transpose(self, x, perm, output=None):
        shape = [self.shapes[x][p] for p in perm]
        return self.add("Transpose", [x], shape, output, perm=list(perm))


def conv_output_size(size, kernel, stride, pad_begin, pad_end):
    return (size + pad_begin + pad_end - kernel) // stride + 1


def cancel_transpose_pairs(nodes, protected):
    """Removes Transpose pairs whose permutations compose to the identity.

    The first Transpose of a pair must feed only the second, so no other
    reader sees the removed layout. Tensors named in `protected` (graph
    outputs) are never renamed.
    """
    changed = True
    while changed:
        changed = False
        producers = {out: n for n in nodes for out in n.output}
        readers = {}
        for n in nodes:
            for name in n.input:
                readers.setdefault(name, []).append(n)
        for second in nodes:
            if second.op_type != "Transpose" or second.output[0] in protected:
                continue
            first = producers.get(second.input[0])
            if first is None or first.op_type != "Transpose":
                continue
            if len(readers.get(first.output[0], [])) != 1:
                continue
            perm_a = list(first.attribute[0].ints)
            perm_b = list(second.attribute[0].ints)
            if [perm_a[p] for p in perm_b] != list(range(len(perm_a))):
                continue
            source = first.input[0]
            old = second.output[0]
            for n in nodes:
                for i, name in enumerate(n.input):
                    if name == old:
                        n.input[i] = source
            nodes.remove(first)
            nodes.remove(second)
            changed = True
            break
    return nodes


def fuse_pads_into_convs(nodes, initializers):
    """Moves a zero Pad over height and width into the Conv that alone reads it."""
    values = {t.name: numpy_helper.to_array(t) for t in initializers}
    readers = {}
    for n in nodes:
        for name in n.input:
            readers.setdefault(name, []).append(n)
    for pad in [n for n in nodes if n.op_type == "Pad" and len(n.input) == 2]:
        conv = readers.get(pad.output[0], [])
        if len(conv) != 1 or conv[0].op_type != "Conv":
            continue
        pads = [int(v) for v in values[pad.input[1]]]
        if pads[0] or pads[1] or pads[4] or pads[5]:
            continue
        conv = conv[0]
        conv.input[0] = pad.input[0]
        conv.attribute.append(helper.make_attribute("pads", [pads[2], pads[3], pads[6], pads[7]]))
        nodes.remove(pad)
    return nodes


def save_model(builder, inputs, outputs, path, opset, producer):
    """Writes the graph with declared input and output shapes."""
    value_infos_in = [helper.make_tensor_value_info(name, TensorProto.FLOAT, builder.shapes[name])
                      for name in inputs]
    value_infos_out = [helper.make_tensor_value_info(name, TensorProto.FLOAT, builder.shapes[name])
                       for name in outputs]
    nodes = cancel_transpose_pairs(list(builder.nodes), set(outputs))
    nodes = fuse_pads_into_convs(nodes, builder.initializers)
    used = {name for n in nodes for name in n.input}
    initializers = [t for t in builder.initializers if t.name in used]
    graph = helper.make_graph(nodes, producer, value_infos_in, value_infos_out, initializers)
    model = helper.make_model(graph, producer_name=producer,
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 6
    onnx.save(model, path)
    return len(nodes)
