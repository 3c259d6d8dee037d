# After: pytorch/tutorials beginner_source/introyt/modelsyt_tutorial.py
"""Building models: a TinyModel printed whole and layer by layer, its parameters listed,
a Linear layer's weight and output, and common layers (Dropout in train and eval,
Softmax)."""
import torch


class TinyModel(torch.nn.Module):
    def __init__(self):
        super(TinyModel, self).__init__()
        self.linear1 = torch.nn.Linear(100, 200)
        self.activation = torch.nn.ReLU()
        self.linear2 = torch.nn.Linear(200, 10)
        self.softmax = torch.nn.Softmax(dim=1)

    def forward(self, x):
        x = self.linear1(x)
        x = self.activation(x)
        x = self.linear2(x)
        return self.softmax(x)


torch.manual_seed(13)
tinymodel = TinyModel()
print('The model:')
print(tinymodel)
print('\n\nJust one layer:')
print(tinymodel.linear2)
print('\n\nModel params:')
for param in tinymodel.parameters():
    print(tuple(param.shape))
print('\n\nLayer params:')
for param in tinymodel.linear2.parameters():
    print(tuple(param.shape))

lin = torch.nn.Linear(3, 2)
x = torch.rand(1, 3)
print('Input:')
print(x)
print('\n\nWeight and Bias parameters:')
for param in lin.parameters():
    print(param)
y = lin(x)
print('\n\nOutput:')
print(y)

my_tensor = torch.rand(1, 4, 4)
dropout = torch.nn.Dropout(p=0.4)
print(dropout(my_tensor))
print(dropout(my_tensor))
dropout.eval()
print(dropout(my_tensor))
print(tinymodel(torch.rand(2, 100)).sum(dim=1))
