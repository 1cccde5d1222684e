/*===- no_descriptor.c - A shared library that is not a model -------------===*\
|*                                                                            *|
|* Loads fine, but exports no mixer_model_descriptor.                         *|
\*===----------------------------------------------------------------------===*/

int not_a_model(void) { return 0; }
