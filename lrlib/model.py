"""The article's MNIST classifier."""

from __future__ import annotations

import keras
from keras import layers

from .data import IMAGE_SIDE, NUM_CLASSES


def build_cnn(input_shape: tuple[int, ...] | None = None, num_classes: int = NUM_CLASSES) -> keras.Sequential:
    """The article's CNN: two conv/pool/dropout blocks and a 256-unit dense layer.

    431,242 trainable parameters for 28x28 grey images and 10 classes. ``input_shape``
    defaults to one channel placed where ``keras.config.image_data_format()`` wants it.
    """
    if input_shape is None:
        channels_first = keras.config.image_data_format() == "channels_first"
        input_shape = (1, IMAGE_SIDE, IMAGE_SIDE) if channels_first else (IMAGE_SIDE, IMAGE_SIDE, 1)
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Dropout(0.25),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Dropout(0.25),
        layers.Flatten(),
        layers.Dense(256, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ], name="article_cnn")
