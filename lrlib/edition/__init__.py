"""The editions of the chapters that learners open: notebooks that read right in Colab, Jupyter
and JupyterLab, generated from the book's MyST sources and its executed run (``publish``)."""
