"""The modified Bessel functions of the first kind, orders 0 and 1: i0 (torch.i0 too) and,
in torch.special only, i0e, i1 and i1e, with their derivatives.

What the special-function modules share (the dtype check) is in special_common.py.
"""

from __future__ import annotations

import math

import numpy as np

from conformance.reference import dtypes, fp_errors
from conformance.reference.devices import array_namespace
from conformance.reference.ops.define import formula_op, pointwise
from conformance.reference.ops.fused_multiply_add import fused_multiply_add
from conformance.reference.ops.pointwise_common import _no_kernel
from conformance.reference.ops.special_common import _FLOATS, _input_or_x

__all__ = ["i0"]


# Modified Bessel functions of the first kind, orders 0 and 1, and their exponentially scaled
# forms: Cephes' Chebyshev expansions on [0, 8] and, in 32/x, beyond (ATen's calc_i0, ...).

# fmt: off
_I0_A = (-4.41534164647933937950e-18, 3.33079451882223809783e-17, -2.43127984654795469359e-16,
         1.71539128555513303061e-15, -1.16853328779934516808e-14, 7.67618549860493561688e-14,
         -4.85644678311192946090e-13, 2.95505266312963983461e-12, -1.72682629144155570723e-11,
         9.67580903537323691224e-11, -5.18979560163526290666e-10, 2.65982372468238665035e-9,
         -1.30002500998624804212e-8, 6.04699502254191894932e-8, -2.67079385394061173391e-7,
         1.11738753912010371815e-6, -4.41673835845875056359e-6, 1.64484480707288970893e-5,
         -5.75419501008210370398e-5, 1.88502885095841655729e-4, -5.76375574538582365885e-4,
         1.63947561694133579842e-3, -4.32430999505057594430e-3, 1.05464603945949983183e-2,
         -2.37374148058994688156e-2, 4.93052842396707084878e-2, -9.49010970480476444210e-2,
         1.71620901522208775349e-1, -3.04682672343198398683e-1, 6.76795274409476084995e-1)
_I0_B = (-7.23318048787475395456e-18, -4.83050448594418207126e-18, 4.46562142029675999901e-17,
         3.46122286769746109310e-17, -2.82762398051658348494e-16, -3.42548561967721913462e-16,
         1.77256013305652638360e-15, 3.81168066935262242075e-15, -9.55484669882830764870e-15,
         -4.15056934728722208663e-14, 1.54008621752140982691e-14, 3.85277838274214270114e-13,
         7.18012445138366623367e-13, -1.79417853150680611778e-12, -1.32158118404477131188e-11,
         -3.14991652796324136454e-11, 1.18891471078464383424e-11, 4.94060238822496958910e-10,
         3.39623202570838634515e-9, 2.26666899049817806459e-8, 2.04891858946906374183e-7,
         2.89137052083475648297e-6, 6.88975834691682398426e-5, 3.36911647825569408990e-3,
         8.04490411014108831608e-1)
_I1_A = (2.77791411276104639959e-18, -2.11142121435816608115e-17, 1.55363195773620046921e-16,
         -1.10559694773538630805e-15, 7.60068429473540693410e-15, -5.04218550472791168711e-14,
         3.22379336594557470981e-13, -1.98397439776494371520e-12, 1.17361862988909016308e-11,
         -6.66348972350202774223e-11, 3.62559028155211703701e-10, -1.88724975172282928790e-9,
         9.38153738649577178388e-9, -4.44505912879632808065e-8, 2.00329475355213526229e-7,
         -8.56872026469545474066e-7, 3.47025130813767847674e-6, -1.32731636560394358279e-5,
         4.78156510755005422638e-5, -1.61760815825896745588e-4, 5.12285956168575772895e-4,
         -1.51357245063125314899e-3, 4.15642294431288815669e-3, -1.05640848946261981558e-2,
         2.47264490306265168283e-2, -5.29459812080949914269e-2, 1.02643658689847095384e-1,
         -1.76416518357834055153e-1, 2.52587186443633654823e-1)
_I1_B = (7.51729631084210481353e-18, 4.41434832307170791151e-18, -4.65030536848935832153e-17,
         -3.20952592199342395980e-17, 2.96262899764595013876e-16, 3.30820231092092828324e-16,
         -1.88035477551078244854e-15, -3.81440307243700780478e-15, 1.04202769841288027642e-14,
         4.27244001671195135429e-14, -2.10154184277266431302e-14, -4.08355111109219731823e-13,
         -7.19855177624590851209e-13, 2.03562854414708950722e-12, 1.41258074366137813316e-11,
         3.25260358301548823856e-11, -1.89749581235054123450e-11, -5.58974346219658380687e-10,
         -3.83538038596423702205e-9, -2.63146884688951950684e-8, -2.51223623787020892529e-7,
         -3.88256480887769039346e-6, -1.10588938762623716291e-4, -9.76109749136146840777e-3,
         7.78576235018280120474e-1)
# fmt: on


def _chebyshev(x, coefficients):
    """Cephes' chbevl: a Chebyshev series by Clenshaw's recurrence, in x's dtype (float32 or
    float64) as PyTorch's kernels run it: coefficients rounded to that dtype, and each step's
    x * b1 - b2 one fused multiply-add (the compiler contracts it), which is why float32
    i0(0) is 0.99999994."""
    xp = array_namespace(x)
    x = xp.asarray(x)
    kind = x.dtype.type
    b0, b1, b2 = xp.full_like(x, coefficients[0]), xp.zeros_like(x), xp.zeros_like(x)
    for c in coefficients[1:]:
        b2, b1 = b1, b0
        b0 = fused_multiply_add(x, b1, -b2, x.dtype) + kind(c)
    return kind(0.5) * (b0 - b2)


def _bessel(x, order: int, scaled: bool):
    """I0 or I1 of x (times exp(-|x|) when scaled) as ATen's calc_i0, calc_i0e, calc_i1 and
    calc_i1e compute them: in float64, or in float32 for float32 and half precision (whose
    kernels compute in float32). I1 is odd, I0 even."""
    xp = array_namespace(x)
    x = x.astype("float64" if x.dtype == np.float64 else "float32")
    one = x.dtype.type
    ax = xp.abs(x)
    a, b = (_I0_A, _I0_B) if order == 0 else (_I1_A, _I1_B)
    if order == 1 and x.dtype == np.float32:  # ATen's float I1 takes the series' last terms
        a, b = a[-17:], b[-7:]
    near = _chebyshev(ax / one(2) - one(2), a)
    far_x = xp.where(ax <= 8, one(8), ax)  # (a nan stays nan)
    far = _chebyshev(one(32) / far_x - one(2), b)
    if scaled:  # (ATen's order of the products, which matters in the last bit)
        near, far = (near * ax if order == 1 else near), far / xp.sqrt(far_x)
    else:
        growth = _exp(ax)
        near = growth * ax * near if order == 1 else growth * near
        far = growth * far / xp.sqrt(far_x)
    out = xp.where(ax <= 8, near, far)
    return xp.where(x < 0, -out, out) if order == 1 else out


def _exp(x):
    """exp as the C library's expf gives it in float32: rounded from float64, which agrees
    with glibc's expf but for about 0.06% of arguments (one ulp)."""
    return array_namespace(x).exp(x.astype("float64")).astype(x.dtype)


@pointwise("I0Backward0", kind="float", self=lambda grad, self, F: grad * formula_op(F, i1)(self))
def i0(self):
    """The modified Bessel function of the first kind of order 0 (even, inf at +-inf)."""
    _no_kernel("i0_vml_cpu", self, _FLOATS)
    return _bessel(self, 0, False).astype(self.dtype)


@pointwise(
    "SpecialI0EBackward0",
    kind="float",
    self=lambda grad, self, result, F: grad * (formula_op(F, i1e)(self) - F.sgn(self) * result),
)
def i0e(self):
    """exp(-|x|) I0(x), which stays finite (and goes to 0) where I0 overflows."""
    _no_kernel("i0e_cpu", self, _FLOATS)
    return _bessel(self, 0, True).astype(self.dtype)


def _epsilon(x):
    kind = x.dtype
    if not isinstance(kind, dtypes.dtype):
        kind = dtypes.from_numpy_dtype(kind)
    return dtypes.finfo(kind).eps


def _i1_derivative(grad, self, result, F):
    """I1' = I0 - I1 / x, and 1/2 at |x| <= eps, where the quotient is 0/0 (ATen's
    i1_backward)."""
    eps = _epsilon(self)
    not_tiny = F.abs(self) > eps
    safe = F.where(not_tiny, self, eps)
    return grad * F.where(not_tiny, F.i0(safe) - result * F.reciprocal(safe), 0.5)


def _i1e_derivative(grad, self, result, F):
    """(exp(-|x|) I1)' = I0e - I1e (sgn x + 1/x), and 1/2 at |x| <= eps (ATen's
    i1e_backward)."""
    eps = _epsilon(self)
    not_tiny = F.abs(self) > eps
    safe = F.where(not_tiny, self, eps)
    slope = formula_op(F, i0e)(safe) - result * (F.sgn(safe) + F.reciprocal(safe))
    return grad * F.where(not_tiny, slope, 0.5)


@pointwise("SpecialI1Backward0", kind="float", self=_i1_derivative)
def i1(self):
    """The modified Bessel function of the first kind of order 1 (odd)."""
    _no_kernel("i1_cpu", self, _FLOATS)
    return _bessel(self, 1, False).astype(self.dtype)


@pointwise("SpecialI1EBackward0", kind="float", self=_i1e_derivative)
def i1e(self):
    """exp(-|x|) I1(x)."""
    _no_kernel("i1e_cpu", self, _FLOATS)
    return _bessel(self, 1, True).astype(self.dtype)


TENSOR_METHODS: dict = {"i0": i0}
TENSOR_IN_PLACE: dict = {"i0_": i0}


# ---------------------------------------------------------------------------------------------
# torch.special's Bessel functions added in PyTorch 1.13 (bessel_j0, ..., airy_ai): Cephes'
# rational and Chebyshev approximations as ATen's *_forward kernels (ATen/native/Math.h) have
# them, computed in the input's own precision (float32 or float64: these kernels have no
# float32-in-float64 accumulation, and no half-precision variant). None has a derivative: the
# result never requires grad. Integer and bool inputs give the default float dtype.

# fmt: off
_J0_PP = (7.96936729297347051624e-04, 8.28352392107440799803e-02, 1.23953371646414299388e00,
          5.44725003058768775090e00, 8.74716500199817011941e00, 5.30324038235394892183e00,
          9.99999999999999997821e-01)
_J0_PQ = (9.24408810558863637013e-04, 8.56288474354474431428e-02, 1.25352743901058953537e00,
          5.47097740330417105182e00, 8.76190883237069594232e00, 5.30605288235394617618e00,
          1.00000000000000000218e00)
_J0_QP = (-1.13663838898469149931e-02, -1.28252718670509318512e00, -1.95539544257735972385e01,
          -9.32060152123768231369e01, -1.77681167980488050595e02, -1.47077505154951170175e02,
          -5.14105326766599330220e01, -6.05014350600728481186e00)
_J0_QQ = (6.43178256118178023184e01, 8.56430025976980587198e02, 3.88240183605401609683e03,
          7.24046774195652478189e03, 5.93072701187316984827e03, 2.06209331660327847417e03,
          2.42005740240291393179e02)
_J0_RP = (-4.79443220978201773821e09, 1.95617491946556577543e12, -2.49248344360967716204e14,
          9.70862251047306323952e15)
_J0_RQ = (4.99563147152651017219e02, 1.73785401676374683123e05, 4.84409658339962045305e07,
          1.11855537045356834862e10, 2.11277520115489217587e12, 3.10518229857422583814e14,
          3.18121955943204943306e16, 1.71086294081043136091e18)
_Y0_YP = (1.55924367855235737965e04, -1.46639295903971606143e07, 5.43526477051876500413e09,
          -9.82136065717911466409e11, 8.75906394395366999549e13, -3.46628303384729719441e15,
          4.42733268572569800351e16, -1.84950800436986690637e16)
_Y0_YQ = (1.04128353664259848412e03, 6.26107330137134956842e05, 2.68919633393814121987e08,
          8.64002487103935000337e10, 2.02979612750105546709e13, 3.17157752842975028269e15,
          2.50596256172653059228e17)
_J1_PP = (7.62125616208173112003e-04, 7.31397056940917570436e-02, 1.12719608129684925192e00,
          5.11207951146807644818e00, 8.42404590141772420927e00, 5.21451598682361504063e00,
          1.00000000000000000254e00)
_J1_PQ = (5.71323128072548699714e-04, 6.88455908754495404082e-02, 1.10514232634061696926e00,
          5.07386386128601488557e00, 8.39985554327604159757e00, 5.20982848682361821619e00,
          9.99999999999999997461e-01)
_J1_QP = (5.10862594750176621635e-02, 4.98213872951233449420e00, 7.58238284132545283818e01,
          3.66779609360150777800e02, 7.10856304998926107277e02, 5.97489612400613639965e02,
          2.11688757100572135698e02, 2.52070205858023719784e01)
_J1_QQ = (7.42373277035675149943e01, 1.05644886038262816351e03, 4.98641058337653607651e03,
          9.56231892404756170795e03, 7.99704160447350683650e03, 2.82619278517639096600e03,
          3.36093607810698293419e02)
_J1_RP = (-8.99971225705559398224e08, 4.52228297998194034323e11, -7.27494245221818276015e13,
          3.68295732863852883286e15)
_J1_RQ = (6.20836478118054335476e02, 2.56987256757748830383e05, 8.35146791431949253037e07,
          2.21511595479792499675e10, 4.74914122079991414898e12, 7.84369607876235854894e14,
          8.95222336184627338078e16, 5.32278620332680085395e18)
_Y1_YP = (1.26320474790178026440e09, -6.47355876379160291031e11, 1.14509511541823727583e14,
          -8.12770255501325109621e15, 2.02439475713594898196e17, -7.78877196265950026825e17)
_Y1_YQ = (5.94301592346128195359e02, 2.35564092943068577943e05, 7.34811944459721705660e07,
          1.87601316108706159478e10, 3.88231277496238566008e12, 6.20557727146953693363e14,
          6.87141087355300489866e16, 3.97270608116560655612e18)
_K0_A = (1.37446543561352307156e-16, 4.25981614279661018399e-14, 1.03496952576338420167e-11,
         1.90451637722020886025e-09, 2.53479107902614945675e-07, 2.28621210311945178607e-05,
         1.26461541144692592338e-03, 3.59799365153615016266e-02, 3.44289899924628486886e-01,
         -5.35327393233902768720e-01)
_K0_B = (5.30043377268626276149e-18, -1.64758043015242134646e-17, 5.21039150503902756861e-17,
         -1.67823109680541210385e-16, 5.51205597852431940784e-16, -1.84859337734377901440e-15,
         6.34007647740507060557e-15, -2.22751332699166985548e-14, 8.03289077536357521100e-14,
         -2.98009692317273043925e-13, 1.14034058820847496303e-12, -4.51459788337394416547e-12,
         1.85594911495471785253e-11, -7.95748924447710747776e-11, 3.57739728140030116597e-10,
         -1.69753450938905987466e-09, 8.57403401741422608519e-09, -4.66048989768794782956e-08,
         2.76681363944501510342e-07, -1.83175552271911948767e-06, 1.39498137188764993662e-05,
         -1.28495495816278026384e-04, 1.56988388573005337491e-03, -3.14481013119645005427e-02,
         2.44030308206595545468e00)
_K1_A = (-7.02386347938628759343e-18, -2.42744985051936593393e-15, -6.66690169419932900609e-13,
         -1.41148839263352776110e-10, -2.21338763073472585583e-08, -2.43340614156596823496e-06,
         -1.73028895751305206302e-04, -6.97572385963986435018e-03, -1.22611180822657148235e-01,
         -3.53155960776544875667e-01, 1.52530022733894777053e00)
_K1_B = (-5.75674448366501715755e-18, 1.79405087314755922667e-17, -5.68946255844285935196e-17,
         1.83809354436663880070e-16, -6.05704724837331885336e-16, 2.03870316562433424052e-15,
         -7.01983709041831346144e-15, 2.47715442448130437068e-14, -8.97670518232499435011e-14,
         3.34841966607842919884e-13, -1.28917396095102890680e-12, 5.13963967348173025100e-12,
         -2.12996783842756842877e-11, 9.21831518760500529508e-11, -4.19035475934189648750e-10,
         2.01504975519703286596e-09, -1.03457624656780970260e-08, 5.74108412545004946722e-08,
         -3.50196060308781257119e-07, 2.40648494783721712015e-06, -1.93619797416608296024e-05,
         1.95215518471351631108e-04, -2.85781685962277938680e-03, 1.03923736576817238437e-01,
         2.72062619048444266945e00)
_AIRY_AN = (3.46538101525629032477e-01, 1.20075952739645805542e01, 7.62796053615234516538e01,
            1.68089224934630576269e02, 1.59756391350164413639e02, 7.05360906840444183113e01,
            1.40264691163389668864e01, 9.99999999999999995305e-01)
_AIRY_AD = (5.67594532638770212846e-01, 1.47562562584847203173e01, 8.45138970141474626562e01,
            1.77318088145400459522e02, 1.64234692871529701831e02, 7.14778400825575695274e01,
            1.40959135607834029598e01, 1.00000000000000000470e00)
_AIRY_AFN = (-1.31696323418331795333e-01, -6.26456544431912369773e-01,
             -6.93158036036933542233e-01, -2.79779981545119124951e-01,
             -4.91900132609500318020e-02, -4.06265923594885404393e-03,
             -1.59276496239262096340e-04, -2.77649108155232920844e-06,
             -1.67787698489114633780e-08)
_AIRY_AFD = (1.33560420706553243746e01, 3.26825032795224613948e01, 2.67367040941499554804e01,
             9.18707402907259625840e00, 1.47529146771666414581e00, 1.15687173795188044134e-01,
             4.40291641615211203805e-03, 7.54720348287414296618e-05, 4.51850092970580378464e-07)
_AIRY_AGN = (1.97339932091685679179e-02, 3.91103029615688277255e-01, 1.06579897599595591108e00,
             9.39169229816650230044e-01, 3.51465656105547619242e-01, 6.33888919628925490927e-02,
             5.85804113048388458567e-03, 2.82851600836737019778e-04, 6.98793669997260967291e-06,
             8.11789239554389293311e-08, 3.41551784765923618484e-10)
_AIRY_AGD = (9.30892908077441974853e00, 1.98352928718312140417e01, 1.55646628932864612953e01,
             5.47686069422975497931e00, 9.54293611618961883998e-01, 8.64580826352392193095e-02,
             4.12656523824222607191e-03, 1.01259085116509135510e-04, 1.17166733214413521882e-06,
             4.91834570062930015649e-09)
# fmt: on

_PI_4, _3PI_4 = 0.785398163397448309615660845819875721, 2.356194490192344928846982537459627163
_SQRT_2_PI = 0.797884560802865355879892119868763737  # sqrt(2 / pi)
_TWO_OVER_PI = 0.636619772367581343075535053490057448


def _own_precision(self, kernel):
    """x in the computation dtype these kernels have (float32 or float64 only)."""
    _no_kernel(kernel, self, _FLOATS)
    if self.dtype.itemsize < 4:  # float16, bfloat16
        _no_kernel(kernel, self, ())
    return self


def _poly(z, coefficients):
    """ATen's loops `p = p * z + C[i]` from p = 0 (Cephes' polevl)."""
    result = 0.0 * z + coefficients[0]
    for c in coefficients[1:]:
        result = result * z + c
    return result


def _j_far(x, pp, pq, qp, qq, shift, z, sine_first):
    """Hankel's asymptotic form beyond 5: (P cos(x - shift) - 5/x Q sin(x - shift)) sqrt(2/pi
    x) for J (sine_first False), (P sin + 5/x Q cos) for Y; z is (5/x)^2 as the kernel
    rounds it."""
    xp = array_namespace(x)
    p = _poly(z, pp) / _poly(z, pq)
    q = _poly(z, qp) / _poly(z, qq)
    c, s = xp.cos(x - shift), xp.sin(x - shift)
    if sine_first:
        return (p * s + 5.0 / x * q * c) * _SQRT_2_PI / xp.sqrt(x)
    return (p * c - 5.0 / x * q * s) * _SQRT_2_PI / xp.sqrt(x)


def _j0(x):
    xp = array_namespace(x)
    x = xp.abs(x)
    near_x = xp.where(x <= 5, x, 1.0)
    z = near_x * near_x
    near = (z - 5.78318596294678452118e00) * (z - 3.04712623436620863991e01)
    near = near * _poly(z, _J0_RP) / _poly(z, _J0_RQ)
    near = xp.where(x < 0.00001, 1.0 - x * x / 4.0, near)
    far_x = xp.where(x > 5, x, 5.0)
    far = _j_far(far_x, _J0_PP, _J0_PQ, _J0_QP, _J0_QQ, _PI_4, 25.0 / (far_x * far_x), False)
    return xp.where(x <= 5, near, far)


def _j1(x):
    xp = array_namespace(x)
    ax = xp.abs(x)
    near_x = xp.where(ax <= 5, ax, 1.0)
    z = near_x * near_x
    near = _poly(z, _J1_RP) / _poly(z, _J1_RQ) * near_x
    near = near * (z - 1.46819706421238932572e01) * (z - 4.92184563216946036703e01)
    far_x = xp.where(ax > 5, ax, 5.0)
    zf = 5.0 / far_x * (5.0 / far_x)
    far = _j_far(far_x, _J1_PP, _J1_PQ, _J1_QP, _J1_QQ, _3PI_4, zf, False)
    out = xp.where(ax <= 5, near, far)
    return xp.where(x < 0, -out, out)


def _y0(x):
    xp = array_namespace(x)
    near_x = xp.where((x <= 5) & (x > 0), x, 1.0)
    z = near_x * near_x
    near = _poly(z, _Y0_YP) / _poly(z, _Y0_YQ) + _TWO_OVER_PI * xp.log(near_x) * _j0(near_x)
    near = xp.where(x == 0, -math.inf, xp.where(x < 0, math.nan, near))
    far_x = xp.where(x > 5, x, 5.0)
    far = _j_far(far_x, _J0_PP, _J0_PQ, _J0_QP, _J0_QQ, _PI_4, 25.0 / (far_x * far_x), True)
    return xp.where(x <= 5, near, far)


def _y1(x):
    xp = array_namespace(x)
    near_x = xp.where((x <= 5) & (x > 0), x, 1.0)
    z = near_x * near_x
    near = near_x * (_poly(z, _Y1_YP) / _poly(z, _Y1_YQ))
    near = near + _TWO_OVER_PI * (_j1(near_x) * xp.log(near_x) - 1.0 / near_x)
    near = xp.where(x == 0, -math.inf, xp.where(x < 0, math.nan, near))
    far_x = xp.where(x > 5, x, 5.0)
    zf = 5.0 / far_x * (5.0 / far_x)
    far = _j_far(far_x, _J1_PP, _J1_PQ, _J1_QP, _J1_QQ, _3PI_4, zf, True)
    return xp.where(x <= 5, near, far)


def _modified_i(x, order):
    """I0 or I1 in x's precision, as modified_bessel_i0/i1_forward (the Chebyshev tables of
    i0 and i1 above)."""
    xp = array_namespace(x)
    ax = xp.abs(x)
    a, b = (_I0_A, _I0_B) if order == 0 else (_I1_A, _I1_B)
    if order == 1 and x.dtype == np.float32:  # ATen's float I1 takes the series' last terms
        a, b = a[-17:], b[-7:]
    near = _chebyshev(ax / 2.0 - 2.0, a)
    far_x = xp.where(ax > 8, ax, 8.0)
    far = _chebyshev(32.0 / far_x - 2.0, b)
    growth = xp.exp(ax)
    if order == 0:
        return xp.where(ax <= 8, growth * near, growth * far / xp.sqrt(ax))
    out = xp.where(ax <= 8, near * ax * growth, growth * far / xp.sqrt(ax))
    return xp.where(x < 0, -out, out)


def _modified_k(x, order, scaled):
    """K0 or K1 (times e^x when scaled): inf at 0, nan below 0."""
    xp = array_namespace(x)
    near_x = xp.where((x <= 2) & (x > 0), x, 1.0)
    t = near_x * near_x - 2.0
    if order == 0:
        near = _chebyshev(t, _K0_A) - xp.log(0.5 * near_x) * _modified_i(near_x, 0)
    else:
        near = xp.log(0.5 * near_x) * _modified_i(near_x, 1) + _chebyshev(t, _K1_A) / near_x
    far_x = xp.where(x > 2, x, 2.0)
    far = _chebyshev(8.0 / far_x - 2.0, _K0_B if order == 0 else _K1_B) / xp.sqrt(far_x)
    if scaled:
        near = near * xp.exp(near_x)
    else:
        far = xp.exp(-far_x) * far
    out = xp.where(x <= 2, near, far)
    return xp.where(x == 0, math.inf, xp.where(x < 0, math.nan, out))


def _airy_ai(x):
    """Ai(x): asymptotic forms below -2.09 and above 8.32 (above 2.09 and up to 8.32, the
    one for large x replaces the Maclaurin series), the series f, g elsewhere; 0 beyond
    103.892, nan at both infinities."""
    xp = array_namespace(x)
    pi = math.pi
    neg_x = xp.where(x < -2.09, x, -3.0)
    root = xp.sqrt(-neg_x)
    zeta_n = -2.0 * neg_x * root / 3.0
    z = 1.0 / zeta_n
    zz = z * z
    ratio_f = zz * _poly(zz, _AIRY_AFN) / _poly(zz, _AIRY_AFD)
    ratio_g = z * _poly(zz, _AIRY_AGN) / _poly(zz, _AIRY_AGD)
    t = zeta_n + 0.25 * pi
    below = (
        5.64189583547756286948e-01
        / xp.sqrt(root)
        * (xp.sin(t) * (1.0 + ratio_f) - xp.cos(t) * ratio_g)
    )

    pos_x = xp.where(x >= 2.09, x, 3.0)
    zeta_p = 2.0 * pos_x * xp.sqrt(pos_x) / 3.0
    w = 1.0 / zeta_p
    an, ad = _poly(w, _AIRY_AN), _poly(w, _AIRY_AD)
    above = (
        5.64189583547756286948e-01 * (an / ad) / (2.0 * xp.sqrt(xp.sqrt(pos_x)) * xp.exp(zeta_p))
    )

    mid_x = xp.where((x >= -2.09) & (x < 2.09), x, 0.0)
    eps = xp.finfo(x.dtype).eps
    f, g = xp.ones_like(mid_x), mid_x
    k, m, n = 1.0, xp.ones_like(mid_x), mid_x
    cube = mid_x * mid_x * mid_x
    running = xp.ones(mid_x.shape, dtype=bool)
    while bool(running.any()):
        m = m * cube
        k += 1.0
        m = m / k
        n = n * cube
        k += 1.0
        n = n / k
        m = m / k
        f = xp.where(running, f + m, f)
        k += 1.0
        n = n / k
        g = xp.where(running, g + n, g)
        running = running & (xp.abs(m / f) > eps)
    series = 0.355028053887817239260 * f - 0.258819403792806798405 * g
    out = xp.where(x < -2.09, below, xp.where(x >= 2.09, above, series))
    out = xp.where(x > 103.892, 0.0, out)
    return xp.where(xp.isinf(x), math.nan, out)


def _spherical_j0(x):
    """sin(x)/x, by its Taylor polynomial below 1/2; 0 at both infinities."""
    xp = array_namespace(x)
    z = x * x
    series = 1.0 + z * (
        -1.0 / 6.0
        + z
        * (
            1.0 / 120.0
            + z
            * (
                -1.0 / 5040.0
                + z * (1.0 / 362880.0 + z * (-1.0 / 39916800.0 + z * (1.0 / 6227020800.0)))
            )
        )
    )
    safe = xp.where(xp.abs(x) < 0.5, 1.0, x)
    out = xp.where(xp.abs(x) < 0.5, series, xp.sin(safe) / safe)
    return xp.where(xp.isinf(x), 0.0, out)


def _no_derivative_op(kernel, compute, doc, keyword="input"):
    """A derivative-free op over one tensor named `keyword` (PyTorch's schemas call it
    input, or x for the scaled K, spherical j0 and Airy functions)."""

    def run(self):
        x = _own_precision(self, kernel)
        with fp_errors.quiet():
            out = compute(x)
        return array_namespace(x).where(x != x, x, out).astype(self.dtype)  # nan stays nan

    if keyword == "input":

        def forward(input):  # noqa: A002
            return run(input)
    else:

        def forward(x):
            return run(x)

    forward.__name__ = forward.__qualname__ = kernel.removesuffix("_cpu")
    forward.__doc__ = doc
    declared = pointwise(None, kind="float")(forward)
    return _input_or_x(declared) if keyword == "input" else declared


bessel_j0 = _no_derivative_op(
    "bessel_j0_cpu", _j0, "J0, the Bessel function of the first kind of order 0."
)
bessel_j1 = _no_derivative_op("bessel_j1_cpu", _j1, "J1 (odd).")
bessel_y0 = _no_derivative_op(
    "bessel_y0_cpu", _y0, "Y0, of the second kind: -inf at 0, nan below 0."
)
bessel_y1 = _no_derivative_op(
    "bessel_y1_cpu", _y1, "Y1, of the second kind: -inf at 0, nan below 0."
)
modified_bessel_i0 = _no_derivative_op(
    "modified_bessel_i0_cpu",
    lambda x: _modified_i(x, 0),
    "I0 as torch.special.i0 computes it, but in float32 for float32 and without a derivative.",
)
modified_bessel_i1 = _no_derivative_op(
    "modified_bessel_i1_cpu", lambda x: _modified_i(x, 1), "I1, without a derivative."
)
modified_bessel_k0 = _no_derivative_op(
    "modified_bessel_k0_cpu",
    lambda x: _modified_k(x, 0, False),
    "K0, the modified Bessel function of the second kind: inf at 0, nan below 0.",
)
modified_bessel_k1 = _no_derivative_op(
    "modified_bessel_k1_cpu", lambda x: _modified_k(x, 1, False), "K1: inf at 0, nan below 0."
)
scaled_modified_bessel_k0 = _no_derivative_op(
    "scaled_modified_bessel_k0_cpu", lambda x: _modified_k(x, 0, True), "e^x K0(x).", "x"
)
scaled_modified_bessel_k1 = _no_derivative_op(
    "scaled_modified_bessel_k1_cpu", lambda x: _modified_k(x, 1, True), "e^x K1(x).", "x"
)
spherical_bessel_j0 = _no_derivative_op(
    "spherical_bessel_j0_cpu", _spherical_j0, "j0(x) = sin(x) / x, 1 at 0.", "x"
)
airy_ai = _no_derivative_op("airy_ai_cpu", _airy_ai, "The Airy function Ai.", "x")
