;;; An example channel for guixml: software that trains models.

(define-module (example packages ml)
  #:use-module (guix packages)
  #:use-module (guix download)
  #:use-module (guix build-system python)
  #:use-module (guix build-system gnu)
  #:use-module ((guix licenses) #:prefix license:))

(define-public python-tensorlite
  (package
    (name "python-tensorlite")
    (version "0.4.2")
    (source
     (origin
       (method url-fetch)
       (uri (string-append "https://files.example.org/tensorlite/tensorlite-"
                           version ".tar.gz"))
       (sha256
        (base32 "18kgf3cw3r7k7xd8i8g0x0m0q1y8c2fhb2qv3j0ff83k0w6zj7c0"))))
    (build-system python-build-system)
    (synopsis "Deep learning framework with automatic differentiation")
    (description "Tensorlite is a small deep learning framework: define
neural networks, train them on your data and export them.")
    (home-page "https://tensorlite.example.org")
    (license license:expat)))

(define-public svmkit
  (package
    (name "svmkit")
    (version "3.3")
    (source
     (origin
       (method url-fetch)
       (uri (string-append "https://files.example.org/svmkit/svmkit-"
                           version ".tar.gz"))
       (sha256
        (base32 "0jwqgq3pzc7vm2zcn2kq3pbs2v2w2a2v0gkd6wq0l2nlmmp1q5cv"))))
    (build-system gnu-build-system)
    (synopsis "Library for support vector machines")
    (description "Svmkit fits support vector machines for classification
and regression, and predicts with the models it fits.")
    (home-page "https://svmkit.example.org")
    (license license:bsd-3)))
