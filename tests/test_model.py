import keras
from keras import layers

from lrlib import build_cnn


def test_the_articles_cnn_has_431242_parameters():
    model = build_cnn()
    assert model.count_params() == 431_242
    assert sum(int(keras.ops.size(w)) for w in model.trainable_weights) == 431_242


def test_layers_match_the_article():
    model = build_cnn()
    kinds = [type(layer) for layer in model.layers]
    assert kinds == [layers.Conv2D, layers.MaxPooling2D, layers.Dropout, layers.Conv2D, layers.MaxPooling2D,
                     layers.Dropout, layers.Flatten, layers.Dense, layers.Dense]
    conv1, conv2, dense1, dense2 = (model.layers[i] for i in (0, 3, 7, 8))
    assert (conv1.filters, conv1.kernel_size, conv2.filters, conv2.kernel_size) == (32, (3, 3), 64, (3, 3))
    assert all(layer.activation is keras.activations.relu for layer in (conv1, conv2, dense1))
    assert (dense1.units, dense2.units) == (256, 10)
    assert dense2.activation is keras.activations.softmax
    assert [model.layers[i].rate for i in (2, 5)] == [0.25, 0.25]
    assert model.input_shape == (None, 28, 28, 1) and model.output_shape == (None, 10)


def test_channels_first_input():
    keras.config.set_image_data_format("channels_first")
    try:
        assert build_cnn().input_shape == (None, 1, 28, 28)
    finally:
        keras.config.set_image_data_format("channels_last")


def test_other_class_counts():
    assert build_cnn((28, 28, 1), num_classes=3).output_shape == (None, 3)
